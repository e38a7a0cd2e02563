"""A reseller's portal domain: a real host name, not the platform's, not another reseller's, and
without effect until proved by a DNS TXT record or an HTTP token (no real network here)."""

from __future__ import annotations

import socket

import dns.exception
import dns.resolver
import httpx
import pytest
import respx
from django.urls import reverse
from django.utils import timezone

from customers import services_domains
from customers.models import Reseller
from customers.tasks import check_unverified_domains_task
from tests.factories import ResellerFactory

pytestmark = pytest.mark.django_db
DOMAIN = "portal.acme.example"
BRANDING = {
    "display_name": "Acme Voice",
    "accent_colour": "#0a7d5a",
    "support_email": "s@x.example",
}


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture(autouse=True)
def platform(settings):
    settings.SITE_URL = "https://portal.didhub.example"
    settings.ALLOWED_HOSTS = ["portal.didhub.example", "localhost", "testserver", ".cdn.example"]


@pytest.fixture
def no_dns(monkeypatch):
    def resolve(*args, **kwargs):
        raise dns.resolver.NXDOMAIN

    monkeypatch.setattr(dns.resolver, "resolve", resolve)


class TXT:
    def __init__(self, *strings: bytes) -> None:
        self.strings = strings


def dns_answers(monkeypatch, records: dict[str, list[TXT]]) -> list[str]:
    asked: list[str] = []

    def resolve(name, rdtype, **kwargs):
        asked.append(name)
        if name not in records:
            raise dns.resolver.NXDOMAIN
        return records[name]

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    return asked


PUBLIC_IP = "93.184.215.14"


@pytest.fixture
def public_host(monkeypatch):
    """Every name resolves to one public address (IP literals as they are)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host and host[0].isdigit():
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_IP, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def at(url: str) -> respx.Route:
    """The route of a GET of ``url`` as it is sent: to the name's vetted address, with the
    name as the Host header (``portal.egress``)."""
    parts = httpx.URL(url)
    return respx.get(parts.copy_with(host=PUBLIC_IP), headers={"Host": parts.netloc.decode()})


def save_domain(as_owner, domain: str):
    return as_owner.post(reverse("reseller:branding"), {**BRANDING, "domain": domain})


def saved(owner) -> Reseller:
    return Reseller.objects.get(pk=owner.reseller_id)


# --- what may be claimed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2",
        "localhost",
        "portal",
        "http://portal.acme.example",
        "portal.acme.example:8443",
        "portal.acme.example/path",
        "user@portal.acme.example",
        "192.168.1.10",
        "10.0.0.1",
        "[::1]",
        "-bad.example",
        "bad-.example",
        "under_score.example",
        "a" * 64 + ".example",
        "two words.example",
        "acme.123",
        "x" * 10_000,
        "nul\0.example",
    ],
)
def test_what_is_not_a_host_name_is_refused_with_a_clear_error(as_owner, owner, raw):
    response = save_domain(as_owner, raw)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["domain"])
    assert errors
    assert saved(owner).domain == ""
    assert saved(owner).display_name != "Acme Voice"  # nothing else was saved either


@pytest.mark.parametrize(
    "raw,stored",
    [
        ("Portal.Acme.Example.", "portal.acme.example"),
        ("  portal.acme.example ", "portal.acme.example"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_a_host_name_is_stored_lowercase_ascii(as_owner, owner, raw, stored):
    assert save_domain(as_owner, raw).status_code == 302
    reseller = saved(owner)
    assert reseller.domain == stored
    assert reseller.domain_token and reseller.domain_verified_at is None


@pytest.mark.parametrize(
    "raw",
    [
        "portal.didhub.example",  # SITE_URL's host
        "acme.portal.didhub.example",  # under it
        "PORTAL.didhub.example",
        "testserver.example",  # not platform: control, see below
        "images.cdn.example",  # under a wildcard ALLOWED_HOSTS entry
        "cdn.example",
    ],
)
def test_the_platform_s_hosts_are_refused(as_owner, owner, raw):
    response = save_domain(as_owner, raw)
    if raw == "testserver.example":
        assert response.status_code == 302
        return
    assert "belongs to the portal itself" in str(response.context["form"].errors["domain"])
    assert saved(owner).domain == ""


def test_another_reseller_s_domain_is_refused_in_any_case(as_owner, owner):
    ResellerFactory(domain=DOMAIN)
    response = save_domain(as_owner, "Portal.ACME.example")
    assert "Another portal already uses this domain" in str(
        response.context["form"].errors["domain"]
    )
    assert saved(owner).domain == ""


def test_the_service_refuses_what_the_form_refuses(owner):
    from django.core.exceptions import ValidationError

    from customers.services import reseller_update_branding

    ResellerFactory(domain=DOMAIN)
    for raw in ("2", "portal.didhub.example", DOMAIN.upper()):
        with pytest.raises(ValidationError) as error:
            reseller_update_branding(actor=owner, domain=raw)
        assert "domain" in error.value.error_dict
    assert saved(owner).domain == ""


# --- no effect until proved -------------------------------------------------------------------


def test_an_unverified_domain_has_no_effect_on_the_brand(client, settings, owner, as_owner):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, DOMAIN]
    Reseller.objects.filter(pk=owner.reseller_id).update(domain=DOMAIN, display_name="Acme Voice")
    client.logout()
    page = client.get(reverse("account_login"), HTTP_HOST=DOMAIN).content.decode()
    assert "Acme Voice" not in page
    Reseller.objects.filter(pk=owner.reseller_id).update(domain_verified_at=timezone.now())
    page = client.get(reverse("account_login"), HTTP_HOST=DOMAIN).content.decode()
    assert "Acme Voice" in page


def test_the_branding_page_shows_the_proof_to_publish(as_owner, owner):
    save_domain(as_owner, DOMAIN)
    token = saved(owner).domain_token
    page = as_owner.get(reverse("reseller:branding")).content.decode()
    assert "_portal-verify.portal.acme.example" in page
    assert "http://portal.acme.example/.well-known/portal-verify.txt" in page
    assert token in page
    assert "not verified yet" in page


# --- proof ------------------------------------------------------------------------------------


def claim(owner, domain: str = DOMAIN) -> Reseller:
    services_domains.reseller_domain_set(reseller := saved(owner), domain)
    reseller.save()
    return reseller


def test_a_txt_record_with_the_token_verifies_the_domain(owner, monkeypatch):
    reseller = claim(owner)
    asked = dns_answers(
        monkeypatch,
        {f"_portal-verify.{DOMAIN}": [TXT(b"v=spf1 -all"), TXT(reseller.domain_token.encode())]},
    )
    assert services_domains.reseller_domain_check(reseller_id=reseller.pk)
    assert asked == [f"_portal-verify.{DOMAIN}"]
    assert saved(owner).domain_verified_at is not None


@respx.mock
def test_an_http_token_verifies_the_domain(owner, no_dns, public_host):
    reseller = claim(owner)
    at(f"http://{DOMAIN}/.well-known/portal-verify.txt").respond(
        301, headers={"Location": f"https://{DOMAIN}/.well-known/portal-verify.txt"}
    )
    at(f"https://{DOMAIN}/.well-known/portal-verify.txt").respond(
        200, text=reseller.domain_token + "\n"
    )
    assert services_domains.reseller_domain_check(reseller_id=reseller.pk)
    assert saved(owner).domain_verified_at is not None


@respx.mock
def test_a_wrong_token_anywhere_does_not_verify(owner, monkeypatch, public_host):
    reseller = claim(owner)
    dns_answers(monkeypatch, {f"_portal-verify.{DOMAIN}": [TXT(b"someone-else-s-token")]})
    at(f"http://{DOMAIN}/.well-known/portal-verify.txt").respond(200, text="wrong")
    assert not services_domains.reseller_domain_check(reseller_id=reseller.pk)
    reseller = saved(owner)
    assert reseller.domain_verified_at is None and reseller.domain_checked_at is not None


@respx.mock
def test_a_redirect_to_another_host_does_not_verify(owner, no_dns, public_host):
    reseller = claim(owner)
    at(f"http://{DOMAIN}/.well-known/portal-verify.txt").respond(
        302, headers={"Location": "http://attacker.example/token.txt"}
    )
    other = at("http://attacker.example/token.txt").respond(200, text=reseller.domain_token)
    assert not services_domains.reseller_domain_check(reseller_id=reseller.pk)
    assert not other.called


@respx.mock
def test_a_domain_on_a_private_address_is_not_fetched(owner, no_dns, monkeypatch):
    reseller = claim(owner)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("127.0.0.1", 80))])
    route = respx.route().respond(  # anything, anywhere
        200, text=reseller.domain_token
    )
    assert not services_domains.reseller_domain_check(reseller_id=reseller.pk)
    assert not route.called


@respx.mock
def test_network_failures_just_leave_it_unverified(owner, monkeypatch, public_host):
    def timeout(*args, **kwargs):
        raise dns.exception.Timeout

    monkeypatch.setattr(dns.resolver, "resolve", timeout)
    at(f"http://{DOMAIN}/.well-known/portal-verify.txt").mock(
        side_effect=httpx.ConnectTimeout("slow")
    )
    reseller = claim(owner)
    assert not services_domains.reseller_domain_check(reseller_id=reseller.pk)
    assert saved(owner).domain_verified_at is None


def test_changing_the_domain_resets_the_proof(as_owner, owner, monkeypatch):
    reseller = claim(owner)
    first_token = reseller.domain_token
    dns_answers(monkeypatch, {f"_portal-verify.{DOMAIN}": [TXT(first_token.encode())]})
    assert services_domains.reseller_domain_check(reseller_id=reseller.pk)
    # Saving the page with the same domain (any case) keeps the proof.
    assert save_domain(as_owner, DOMAIN.upper()).status_code == 302
    assert saved(owner).domain_verified_at is not None
    assert save_domain(as_owner, "voice.acme.example").status_code == 302
    reseller = saved(owner)
    assert reseller.domain == "voice.acme.example"
    assert reseller.domain_verified_at is None
    assert reseller.domain_token and reseller.domain_token != first_token
    # The old record proves nothing for the new domain.
    assert not services_domains.reseller_domain_check(reseller_id=reseller.pk)
    assert save_domain(as_owner, "").status_code == 302
    assert saved(owner).domain_token == ""


def test_a_domain_changed_in_the_admin_must_be_proved_again(admin_client, owner):
    reseller = claim(owner)
    Reseller.objects.filter(pk=reseller.pk).update(domain_verified_at=timezone.now())
    page = admin_client.get(reverse("admin:customers_reseller_change", args=[reseller.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "logo"}
    data.update(
        {"domain": "other.acme.example", "clients-TOTAL_FORMS": 0, "clients-INITIAL_FORMS": 0}
    )
    admin_client.post(reverse("admin:customers_reseller_change", args=[reseller.pk]), data)
    reseller = saved(owner)
    assert reseller.domain == "other.acme.example"
    assert reseller.domain_verified_at is None


def test_check_now_queues_one_check_and_the_check_verifies(
    as_owner, owner, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    reseller = claim(owner)
    asked = dns_answers(monkeypatch, {})
    with django_capture_on_commit_callbacks(execute=True) as queued:
        as_owner.post(reverse("reseller:branding_domain_check"))
        as_owner.post(reverse("reseller:branding_domain_check"))  # a second press: no check
    assert len(queued) == 1 and len(asked) == 1
    assert saved(owner).domain_verified_at is None
    cache.clear()
    dns_answers(monkeypatch, {f"_portal-verify.{DOMAIN}": [TXT(reseller.domain_token.encode())]})
    with django_capture_on_commit_callbacks(execute=True):
        as_owner.post(reverse("reseller:branding_domain_check"))
    assert saved(owner).domain_verified_at is not None  # the suite runs tasks eagerly
    assert "is verified" in as_owner.get(reverse("reseller:branding")).content.decode()


def test_staff_cannot_ask_for_a_check(client, staff):
    client.force_login(staff.user)
    assert client.post(reverse("reseller:branding_domain_check")).status_code == 403


def test_the_hourly_check_looks_at_recent_unproved_domains_only(owner, monkeypatch):
    reseller = claim(owner)
    old = ResellerFactory(domain="old.example", domain_token="t", domain_changed_at=None)
    proved = ResellerFactory(
        domain="proved.example", domain_token="t", domain_verified_at=timezone.now()
    )
    assert services_domains.unverified_domain_reseller_ids() == [reseller.pk]
    checked: list[int] = []
    monkeypatch.setattr(
        services_domains,
        "reseller_domain_check",
        lambda *, reseller_id: checked.append(reseller_id),
    )
    check_unverified_domains_task()
    assert checked == [reseller.pk]
    assert old.pk not in checked and proved.pk not in checked


@respx.mock
def test_an_http_token_verifies_an_international_domain(owner, no_dns, public_host):
    reseller = claim(owner, "bücher.example")
    assert reseller.domain == "xn--bcher-kva.example"
    at("http://xn--bcher-kva.example/.well-known/portal-verify.txt").respond(
        308, headers={"Location": "https://xn--bcher-kva.example/.well-known/portal-verify.txt"}
    )
    at("https://xn--bcher-kva.example/.well-known/portal-verify.txt").respond(
        200, text=reseller.domain_token
    )
    assert services_domains.reseller_domain_check(reseller_id=reseller.pk)


@respx.mock
def test_each_redirect_is_resolved_and_vetted_again(owner, no_dns, monkeypatch):
    """The name answered a public address for the first request and a private one after the
    redirect (DNS rebinding): the second request is not made."""
    answers = [PUBLIC_IP, "169.254.169.254"]
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers.pop(0), port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    reseller = claim(owner)
    at(f"http://{DOMAIN}/.well-known/portal-verify.txt").respond(
        302, headers={"Location": "/proof.txt"}
    )
    anything_else = respx.route().respond(200, text=reseller.domain_token)
    assert not services_domains.reseller_domain_check(reseller_id=reseller.pk)
    assert asked == [DOMAIN, DOMAIN] and not anything_else.called


@respx.mock
def test_a_proof_longer_than_a_kilobyte_does_not_verify(owner, no_dns, public_host):
    reseller = claim(owner)
    at(f"http://{DOMAIN}/.well-known/portal-verify.txt").respond(
        200, text=reseller.domain_token + " " * 2000
    )
    assert not services_domains.reseller_domain_check(reseller_id=reseller.pk)
