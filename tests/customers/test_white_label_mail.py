"""Every email to a reseller's people or its clients' people is in the reseller's name:
From "<brand> <the platform's sending address>", Reply-To its support address, and a subject
and body that name the reseller and never the platform."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from customers.branding import NEUTRAL_BRAND, PLATFORM_BRAND, Brand, mail_sender
from customers.services_invitations import invitation_create
from tests.factories import PASSWORD, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db

SENDING_ADDRESS = "no-reply@didhub.example"  # settings.DEFAULT_FROM_EMAIL's address


@pytest.fixture
def reseller(db):
    return ResellerFactory(display_name="Acme Voice", support_email="help@acme.example")


def assert_in_brand(message, *, name="Acme Voice", reply_to="help@acme.example"):
    assert message.from_email == f"{name} <{SENDING_ADDRESS}>"
    assert message.reply_to == ([reply_to] if reply_to else [])
    assert name in message.subject and name in message.body
    text = f"{message.subject}\n{message.body}".lower()
    assert "didhub" not in text
    assert "testserver" not in message.subject


def test_one_helper_builds_from_and_reply_to():
    brand = Brand(name='Acme, "Voice"', accent_colour="#000000", support_email="s@acme.example")
    sender = mail_sender(brand)
    assert sender.from_email == f'"Acme, \\"Voice\\"" <{SENDING_ADDRESS}>'
    assert sender.reply_to == ["s@acme.example"]
    assert mail_sender(PLATFORM_BRAND).from_email == f"didhub <{SENDING_ADDRESS}>"
    assert mail_sender(NEUTRAL_BRAND).from_email == f"Number portal <{SENDING_ADDRESS}>"
    multi_line = Brand(name="Acme\r\nBcc: x@evil", accent_colour="#000000", support_email="")
    assert "\n" not in mail_sender(multi_line).from_email
    accented = Brand(name="Téléphonie Acme", accent_colour="#000000", support_email="")
    header = EmailMessage("s", "b", mail_sender(accented).from_email, ["t@x.example"]).message()
    assert header["From"].endswith(f" <{SENDING_ADDRESS}>") and "=?utf-8?" in header["From"]


def test_invitations(reseller, owner, acme_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            actor=owner, email="new@example.com", role="client_user", client=acme_client
        )
    (message,) = mail.outbox
    assert_in_brand(message)
    assert message.to == ["new@example.com"]
    html = message.alternatives[0][0]
    assert "Acme Voice" in html and "didhub" not in html.lower()


def test_password_reset_for_a_client(client, client_user):
    client.post(reverse("account_reset_password"), {"email": client_user.user.email})
    (message,) = mail.outbox
    assert_in_brand(message)
    assert message.subject == "[Acme Voice] Reset your password"
    assert "/accounts/password/reset/key/" in message.body


def test_password_reset_for_the_reseller_s_own_staff(client, staff):
    client.post(reverse("account_reset_password"), {"email": staff.user.email})
    (message,) = mail.outbox
    assert_in_brand(message)


def test_password_reset_for_an_unknown_address_on_the_reseller_s_domain(client, reseller, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "portal.acme.example"]
    reseller.domain = "portal.acme.example"
    reseller.domain_verified_at = timezone.now()
    reseller.save()
    client.post(
        reverse("account_reset_password"),
        {"email": "nobody@example.com"},
        HTTP_HOST="portal.acme.example",
    )
    (message,) = mail.outbox
    assert_in_brand(message)
    assert "sign up" not in message.body.lower()  # accounts come by invitation only


def test_password_reset_for_an_unknown_address_elsewhere_names_nobody(client, db):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    (message,) = mail.outbox
    assert_in_brand(message, name="Number portal", reply_to=None)


def test_email_confirmation(client, client_admin):
    client.force_login(client_admin.user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("account_email"), {"action_add": "", "email": "second@example.com"})
    assert EmailAddress.objects.filter(email="second@example.com", verified=False).exists()
    (message,) = mail.outbox
    assert_in_brand(message)
    assert message.to == ["second@example.com"]
    assert message.subject == "[Acme Voice] Confirm your email address"


def test_platform_admins_mail_may_say_didhub(client, db):
    admin = UserFactory(is_staff=True)
    client.post(reverse("account_reset_password"), {"email": admin.email})
    (message,) = mail.outbox
    assert message.from_email == f"didhub <{SENDING_ADDRESS}>"
    assert message.subject.startswith("[didhub] ")
