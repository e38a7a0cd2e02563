"""Requests the server makes to addresses its users chose (forwarding URLs, domain proofs).

A user-chosen URL must never make our workers reach our own network: a host name pointing at
10.x, 127.x, the cloud metadata address and the like, or a name that answers one address when
it is checked and another when it is fetched (DNS rebinding). So:

* ``address_is_public`` is the one rule for addresses: globally routable, not multicast, and
  IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by that address.
* ``url_problem`` is the check without the network (the form's fast feedback); ``resolve``
  resolves a host once and refuses when ANY of its addresses is not public.
* ``send`` resolves, vets, and connects to the vetted address itself (the URL's host replaced
  by the address, the ``Host`` header and the TLS server name — SNI and certificate check —
  kept as the original name: httpx's ``sni_hostname`` extension), so nothing is resolved a
  second time. Redirects are never followed (a caller that follows one calls ``send`` again,
  which vets the new target the same way); the caller reads the body through ``read_capped``.

``allow_private`` (the demo's and local tests' setting) lifts the address rule, never the
pinning: the request still goes to the address resolved once.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not covered by (or not reliably in) ``is_global`` on every Python we run on.
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT
        "169.254.0.0/16",  # link-local, with the cloud metadata address 169.254.169.254
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/96",  # IPv4-compatible (deprecated), and :: and ::1
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/32",  # Teredo: the embedded address is the relay's, not the target's
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
CONNECT_TIMEOUT = 5.0
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")  # after IDNA, lowercased, no final dot
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


class Refused(Exception):
    """The URL or its address is not allowed; ``reason`` is a sentence for the user. Permanent:
    trying again does not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unresolved(Exception):
    """The host name has no address (now): may be temporary."""


def private_address_reason() -> str:
    return _("The address resolves to a private network address.")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_is_public(address: IPAddress) -> bool:
    """Whether ``address`` is one a user-chosen URL may reach: a public, unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_is_public(embedded)
    if any(address.version == net.version and address in net for net in _REFUSED_NETWORKS):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def url_problem(
    url: str,
    *,
    schemes: Mapping[str, int] | None = None,
    allow_private: bool = False,
) -> str | None:
    """Why ``url`` may not be fetched, without touching the network; None when it may.

    ``schemes`` maps each allowed scheme to its one allowed port (default: https on 443);
    ``allow_private`` (the demo) lifts the address rule and the port rule."""
    schemes = schemes if schemes is not None else {"https": 443}
    try:
        parts = httpx.URL(url)
        host = parts.raw_host.decode("ascii").lower().rstrip(".")
    except (httpx.InvalidURL, UnicodeError, TypeError):
        return _("Enter a valid URL.")
    if parts.scheme not in schemes:
        if "https" in schemes:
            return _("The URL must start with https://.")
        return _("Enter a valid URL.")
    if not host:
        return _("Enter a valid URL.")
    if parts.userinfo:
        return _("The URL must not contain a user name or password.")
    if allow_private:
        return None
    literal = _ip_literal(host)
    if literal is None and not _HOST_NAME.fullmatch(host):
        return _("Enter a valid URL.")
    if literal is not None:
        if not address_is_public(literal):
            return _("The URL must point to a public address on the internet.")
    elif host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
        return _("The URL must point to a public address on the internet.")
    port = parts.port or schemes[parts.scheme]
    if port != schemes[parts.scheme]:
        return _("The URL must use the standard port (%(port)s).") % {"port": schemes[parts.scheme]}
    return None


def resolve(host: str, port: int, *, allow_private: bool = False) -> list[IPAddress]:
    """Every address ``host`` resolves to, resolved once, in the resolver's order.

    Raises ``Refused`` when any of them is not public (unless ``allow_private``): a name with
    one private answer among public ones is refused, the resolver could hand out either.
    Raises ``Unresolved`` when it has none."""
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Unresolved(host) from exc
        addresses = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        raise Unresolved(host)
    if not allow_private and not all(address_is_public(a) for a in addresses):
        raise Refused(private_address_reason())
    return addresses


def host_problem(url: str, *, allow_private: bool = False) -> str | None:
    """``resolve``'s refusal for the URL's host, or None (also when it does not resolve now)."""
    if allow_private:
        return None
    parts = httpx.URL(url)
    try:
        resolve(parts.raw_host.decode("ascii"), parts.port or 443)
    except Refused as refused:
        return refused.reason
    except Unresolved:
        return None
    return None


@contextmanager
def send(
    method: str,
    url: str,
    *,
    timeout: float,
    schemes: Mapping[str, int] | None = None,
    allow_private: bool = False,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> Iterator[httpx.Response]:
    """Send one request to the vetted address of ``url`` (see the module's docstring) and yield
    the streamed response (closed on exit; read it with ``read_capped``).

    Raises ``Refused`` (permanent), ``Unresolved`` or ``httpx.HTTPError``. The name's addresses
    are tried in order while connecting fails; each was vetted. ``timeout`` is per network
    operation (connecting takes at most 5 s of it); the client follows no redirect and ignores
    proxy settings from the environment (a proxy would resolve the name again)."""
    problem = url_problem(url, schemes=schemes, allow_private=allow_private)
    if problem:
        raise Refused(problem)
    parts = httpx.URL(url)
    host = parts.raw_host.decode("ascii")
    port = parts.port or {"https": 443, "http": 80}[parts.scheme]
    addresses = resolve(host, port, allow_private=allow_private)
    extensions = {}
    if parts.scheme == "https" and _ip_literal(host) is None:
        extensions["sni_hostname"] = host  # the certificate is checked against the name
    request_headers = dict(headers or {})
    request_headers["Host"] = parts.netloc.decode("ascii")
    last_error: httpx.ConnectError | None = None
    with httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
        follow_redirects=False,
        trust_env=False,
    ) as client:
        for address in addresses:
            request = client.build_request(
                method,
                parts.copy_with(host=str(address)),
                headers=request_headers,
                content=content,
                extensions=extensions,
            )
            try:
                response = client.send(request, stream=True)
            except httpx.ConnectError as exc:
                last_error = exc
                continue
            try:
                yield response
            finally:
                response.close()
            return
    assert last_error is not None
    raise last_error


def read_capped(response: httpx.Response, limit: int) -> bytes | None:
    """At most ``limit`` bytes of the body; None when it is longer (the rest is not read)."""
    body = b""
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            return None
    return body
