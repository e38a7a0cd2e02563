"""A reseller's own portal domain: what may be claimed, and the proof that it is the reseller's.

A domain is a plain host name (IDNA, at least two labels, no port, path, scheme or IP address)
that is not the platform's and not under the platform's. It wears the reseller's brand only once
proved: a DNS TXT record ``_portal-verify.<domain>`` or a file
``http://<domain>/.well-known/portal-verify.txt`` holding the reseller's token. Both names are
neutral on purpose: they are public on the reseller's domain and must not name the platform.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import httpx
import idna
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal import egress

TXT_RECORD_PREFIX = "_portal-verify"
HTTP_PROOF_PATH = "/.well-known/portal-verify.txt"
CHECK_TIMEOUT_SECONDS = 5
MAX_PROOF_BYTES = 1024
MAX_REDIRECTS = 2

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def new_domain_token() -> str:
    return secrets.token_urlsafe(24)


def txt_record_name(domain: str) -> str:
    return f"{TXT_RECORD_PREFIX}.{domain}"


def http_proof_url(domain: str) -> str:
    return f"http://{domain}{HTTP_PROOF_PATH}"


@dataclass(frozen=True)
class DomainProof:
    """What the branding page shows about a reseller's domain and how to prove it."""

    domain: str
    token: str
    verified_at: datetime | None
    checked_at: datetime | None

    @property
    def txt_name(self) -> str:
        return txt_record_name(self.domain)

    @property
    def http_url(self) -> str:
        return http_proof_url(self.domain)


def domain_proof(reseller) -> DomainProof | None:
    if not reseller.domain:
        return None
    return DomainProof(
        domain=reseller.domain,
        token=reseller.domain_token,
        verified_at=reseller.domain_verified_at,
        checked_at=reseller.domain_checked_at,
    )


def normalise_domain(raw: str) -> str:
    """The host name as stored (lowercase, ASCII/punycode, no trailing dot), or a
    ValidationError that says what is expected."""
    value = (raw or "").strip().lower().rstrip(".")
    if not value:
        return ""
    if any(mark in value for mark in ("://", "/", ":", "@", "?", "#", "[", "]")) or any(
        char.isspace() for char in value
    ):
        raise ValidationError(
            _("Enter only the host name, like portal.example.com: no http://, port or path."),
            code="domain_not_a_host",
        )
    try:
        ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        raise ValidationError(_("Enter a host name, not an IP address."), code="domain_ip_address")
    try:
        value = idna.encode(value, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValidationError(_("This is not a valid host name."), code="domain_invalid") from None
    labels = value.split(".")
    if (
        len(value) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError(
            _("Enter a full host name with a dot, like portal.example.com."),
            code="domain_invalid",
        )
    return value


def _site_host() -> str:
    return (urlsplit(settings.SITE_URL).hostname or "").lower()


def is_platform_host(domain: str, *, listed_hosts: bool = True) -> bool:
    """Whether ``domain`` is the platform's: SITE_URL's host or a name under it, a name matched
    by a wildcard ALLOWED_HOSTS entry (".example.com": that name and everything under it), and,
    with ``listed_hosts``, any other ALLOWED_HOSTS entry ("*" names nothing in particular).

    Listed hosts count only when a domain is claimed: an operator adds a reseller's proved
    domain to ALLOWED_HOSTS so it can be served, which must not make it unprovable."""
    parents = {_site_host()}
    exact = set()
    for entry in settings.ALLOWED_HOSTS:
        entry = entry.strip().lower()
        if entry.startswith("."):
            parents.add(entry.lstrip("."))
        elif entry and entry != "*":
            exact.add(entry)
    parents.discard("")
    if domain in parents or any(domain.endswith("." + parent) for parent in parents):
        return True
    return listed_hosts and domain in exact


def clean_portal_domain(raw: str, *, listed_hosts: bool = True) -> str:
    """A domain a reseller may claim, normalised; ValidationError otherwise (the uniqueness
    across resellers is the service's, inside its transaction)."""
    domain = normalise_domain(raw)
    if domain and is_platform_host(domain, listed_hosts=listed_hosts):
        raise ValidationError(
            _("This host name belongs to the portal itself. Enter your own domain."),
            code="domain_platform",
        )
    return domain


# --- proof -----------------------------------------------------------------------------------


def txt_proof_found(domain: str, token: str) -> bool:
    try:
        answer = dns.resolver.resolve(
            txt_record_name(domain), "TXT", lifetime=CHECK_TIMEOUT_SECONDS
        )
    except dns.exception.DNSException:
        return False
    for record in answer:
        text = b"".join(record.strings).decode("utf-8", "replace").strip()
        if secrets.compare_digest(text.encode(), token.encode()):
            return True
    return False


def http_proof_found(domain: str, token: str) -> bool:
    """Fetches the proof file; follows at most two redirects, and only within the domain itself
    (http to https, say), reading at most 1 KB. Each request goes through ``portal.egress``:
    the domain is resolved once per request, refused if any address is private, and the
    request sent to the vetted address (so the check cannot make the server fetch from its own
    network, nor be rebound to it between the check and the fetch)."""
    url = http_proof_url(domain)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            with egress.send(
                "GET", url, timeout=CHECK_TIMEOUT_SECONDS, schemes={"http": 80, "https": 443}
            ) as response:
                if response.is_redirect:
                    # Joined to the URL asked for: the response's own URL has the address.
                    url = str(httpx.URL(url).join(response.headers.get("location", "")))
                    if httpx.URL(url).raw_host.decode("ascii").lower() != domain:
                        return False
                    continue
                if response.status_code != 200:
                    return False
                body = egress.read_capped(response, MAX_PROOF_BYTES)
                if body is None:
                    return False
                text = body.decode("utf-8", "replace").strip()
                return secrets.compare_digest(text.encode(), token.encode())
    except (egress.Refused, egress.Unresolved, httpx.HTTPError, httpx.InvalidURL):
        return False
    return False


def domain_proof_found(domain: str, token: str) -> bool:
    if not domain or not token:
        return False
    return txt_proof_found(domain, token) or http_proof_found(domain, token)
