"""Links in emails point at SITE_URL whatever Host the request that caused them came in on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, InvitationFactory, UserFactory

SITE = "https://portal.example.com"
OTHER_HOST = "other.example"  # allowed (e.g. a second name of the same server), not SITE_URL's

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_allowed_hosts(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["portal.example.com", OTHER_HOST]


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def test_a_password_reset_asked_on_another_host_links_to_the_site(client):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST=OTHER_HOST)
    (message,) = mail.outbox
    (link,) = links_in(message.body)
    assert link.startswith(SITE + "/accounts/password/reset/key/")
    assert OTHER_HOST not in message.body
    # The link works on the site.
    assert client.get(link.removeprefix(SITE), HTTP_HOST="portal.example.com").status_code in (
        200,
        302,
    )


def test_an_email_confirmation_asked_on_another_host_links_to_the_site(client):
    user = UserFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)
    client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, HTTP_HOST=OTHER_HOST
    )
    (message,) = mail.outbox
    (link,) = links_in(message.body)
    assert link.startswith(SITE + "/accounts/confirm-email/")
    assert OTHER_HOST not in message.body


def test_an_invitation_resent_from_another_host_links_to_the_site(
    client, owner, acme_client, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(
        reseller=owner.reseller, client=acme_client, role="client_user", invited_by=owner.user,
        expires_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    client.force_login(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("reseller:invitation_resend", args=[invitation.pk])
        client.post(url, HTTP_HOST=OTHER_HOST)
    (message,) = mail.outbox
    assert [link.startswith(SITE + "/invitations/") for link in links_in(message.body)] == [True]
    assert OTHER_HOST not in message.body + message.alternatives[0][0]
