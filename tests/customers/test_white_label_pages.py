"""Every page a reseller's client can reach wears the reseller's brand: signed in, signed out on
the reseller's domain, or through one of its invitation links (even an expired or used one).
Pages no reseller can be told from name nobody: never the platform."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.core.context import request_context
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.conf import settings
from django.core import mail, signing
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from customers.adapters import MFAAdapter
from customers.colours import AA_TEXT, contrast
from customers.models import Invitation
from customers.services_invitations import invitation_accept, invitation_create, invitation_token
from tests.factories import PASSWORD, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db
DOMAIN = "portal.acme.example"


@pytest.fixture
def reseller(db, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, DOMAIN]
    return ResellerFactory(
        display_name="Acme Voice",
        domain=DOMAIN,
        domain_verified_at=timezone.now(),
        accent_colour="#f5e663",
    )


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def assert_acme(html: str) -> None:
    assert "Acme Voice" in title(html) and "Acme Voice" in html
    assert "/brand/reseller-" in html  # the brand's stylesheet (its colours)
    assert "didhub" not in html.lower()


def assert_nobody(html: str) -> None:
    assert "didhub" not in html.lower() and "Acme Voice" not in html
    assert title(html).endswith("· Number portal")


@pytest.mark.parametrize(
    "url_name", ["account_login", "account_reset_password", "account_reset_password_done"]
)
def test_signed_out_pages_on_the_reseller_s_domain(client, reseller, url_name):
    assert_acme(client.get(reverse(url_name), HTTP_HOST=DOMAIN).content.decode())


@pytest.mark.parametrize("url_name", ["account_login", "account_reset_password"])
def test_signed_out_pages_elsewhere_name_nobody(client, reseller, url_name):
    assert_nobody(client.get(reverse(url_name)).content.decode())


def test_a_password_reset_link_opens_a_page_in_the_email_s_brand(client, client_user):
    client.post(reverse("account_reset_password"), {"email": client_user.user.email})
    site = re.escape(settings.SITE_URL)  # emailed links are on SITE_URL, not the request's host
    link = re.search(site + r"(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    html = response.content.decode()
    assert 'name="password1"' in html  # the form to choose a new password
    assert_acme(html)
    bad = client.get(reverse("account_reset_password_from_key", args=["2", "forged-key"]))
    assert_nobody(bad.content.decode())


def test_the_login_page_title(client, reseller):
    html = client.get(reverse("account_login"), HTTP_HOST=DOMAIN).content.decode()
    assert title(html) == "Sign in · Acme Voice"


def test_a_bad_password_keeps_the_brand(client, reseller, client_user):
    response = client.post(
        reverse("account_login"),
        {"login": client_user.user.email, "password": "wrong"},
        HTTP_HOST=DOMAIN,
    )
    assert_acme(response.content.decode())


def test_signed_in_pages_wear_the_reseller_s_brand_on_any_host(client, client_user):
    client.login(email=client_user.user.email, password=PASSWORD)
    for url_name in ("client_dashboard", "account_change_password", "mfa_index"):
        assert_acme(client.get(reverse(url_name)).content.decode())


def test_the_invitation_page(client, owner, acme_client):
    invitation = invitation_create(
        actor=owner, email="new@example.com", role="client_user", client=acme_client
    )
    html = client.get(reverse("invitation_accept", args=[invitation_token(invitation)]))
    assert_acme(html.content.decode())


def test_an_expired_invitation_still_wears_its_reseller_s_brand(client, owner, acme_client):
    invitation = invitation_create(
        actor=owner, email="late@example.com", role="client_user", client=acme_client
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    # A link signed eight days ago: too old for the signature's max age too.
    signer = signing.TimestampSigner(salt="didhub.invitation")
    eight_days_ago = int((timezone.now() - timedelta(days=8)).timestamp())
    signer.timestamp = lambda: signing.b62_encode(eight_days_ago)
    token = signer.sign_object({"i": invitation.pk}, compress=True)
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "no longer works" in html
    assert_acme(html)


def test_a_used_invitation_still_wears_its_reseller_s_brand(client, owner, acme_client):
    invitation = invitation_create(
        actor=owner, email="done@example.com", role="client_user", client=acme_client
    )
    invitation_accept(invitation=invitation, full_name="Done", password="s3cure-pass-phrase")
    response = client.get(reverse("invitation_accept", args=[invitation_token(invitation)]))
    assert response.status_code == 404
    assert_acme(response.content.decode())


def test_a_forged_invitation_link_names_nobody(client, reseller):
    response = client.get(reverse("invitation_accept", args=["not-a-signed-token"]))
    assert response.status_code == 404
    assert_nobody(response.content.decode())


def test_the_brand_css_keeps_a_pale_accent_readable(client, reseller):
    css = client.get(reverse("brand_css", args=[reseller.slug])).content.decode()
    values = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", css))
    assert values["accent"] == "#f5e663"
    assert values["on-accent"] == "#000000"
    assert contrast(values["accent-ink"], "#ffffff") >= AA_TEXT
    assert contrast(values["accent-ink"], "#f6f7f9") >= AA_TEXT


def test_the_branding_page_warns_with_the_ratio(client, owner):
    client.login(email=owner.user.email, password=PASSWORD)
    html = client.get(reverse("reseller:branding")).content.decode()
    assert 'id="contrast-warning"' in html
    assert "1.28:1" in html and "black text" in html
    owner.reseller.accent_colour = "#5b21b6"
    owner.reseller.save()
    html = client.get(reverse("reseller:branding")).content.decode()
    assert 'id="contrast-warning"' not in html


def test_the_authenticator_app_files_the_code_under_the_brand(client_user):
    request = RequestFactory().get("/")
    request.user = client_user.user
    with request_context(request):
        assert isinstance(get_mfa_adapter(), MFAAdapter)  # the one allauth uses
        url = MFAAdapter().build_totp_url(client_user.user, "JBSWY3DPEHPK3PXP")
    assert "issuer=Acme%20Voice" in url and "didhub" not in url
    admin = UserFactory(is_staff=True)
    request.user = admin
    with request_context(request):
        assert "issuer=didhub" in MFAAdapter().build_totp_url(admin, "JBSWY3DPEHPK3PXP")
