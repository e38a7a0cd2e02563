"""The Messages page of a number, the send form, and the forwarding settings page."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from customers.models import Role
from messaging.models import Direction, Message, MessageStatus
from tests.factories import ClientFactory, client_member, reseller_member

from .support import sms_number

pytestmark = pytest.mark.django_db

PROVIDER_WORDS = re.compile(r"didww|didfarm|\bidt|pbxme", re.IGNORECASE)


@pytest.fixture
def member():
    return client_member(ClientFactory(billing_country="NL"), Role.CLIENT_USER)


def _page(client, number, **params):
    return client.get(reverse("messaging:number_messages", args=[number.pk]), params)


def test_a_client_user_sees_the_inbox_and_the_form(client, member):
    number = sms_number(member.client)
    Message.objects.create(
        number=number, client=member.client, provider_account=number.provider_account,
        direction=Direction.OUT, sender=number.e164, recipient="+31612345678", body="Bad one",
        status=MessageStatus.FAILED, error="The destination number is not valid.",
        detail="DIDfarm rejected the request: The to field must be a valid E.164 number.",
    )  # fmt: skip
    client.force_login(member.user)
    response = _page(client, number)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="body"' in html and 'name="to"' in html
    assert "The destination number is not valid." in html
    assert not PROVIDER_WORDS.findall(html)  # neither the provider's name nor its words
    assert 'hx-trigger="every' in html  # the inbox polls


def test_a_number_without_texts_says_so_and_has_no_form(client, member):
    number = sms_number(member.client, sms=False)
    client.force_login(member.user)
    html = _page(client, number).content.decode()
    assert "This number cannot send or receive text messages." in html
    assert 'name="body"' not in html
    response = client.post(
        reverse("messaging:message_send", args=[number.pk]), {"to": "+31612345678", "body": "x"}
    )
    assert "cannot send or receive text messages" in response.content.decode()
    assert Message.objects.count() == 0


def test_sending_queues_the_text_and_comes_back(client, member, django_capture_on_commit_callbacks):
    number = sms_number(member.client)
    client.force_login(member.user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("messaging:message_send", args=[number.pk]),
            {"to": "+31 6 12345678", "body": "On my way"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:number_messages", args=[number.pk])
    message = Message.objects.get()
    assert (message.recipient, message.status, message.sent_by) == (
        "+31612345678", MessageStatus.QUEUED, member.user
    )  # fmt: skip
    assert len(callbacks) == 1
    html = client.get(response["Location"]).content.decode()
    assert "On my way" in html and "Sending…" in html


def test_bad_input_re_renders_with_errors(client, member):
    number = sms_number(member.client)
    client.force_login(member.user)
    response = client.post(
        reverse("messaging:message_send", args=[number.pk]), {"to": "123", "body": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "has-error" in html and "This field is required." in html
    response = client.post(
        reverse("messaging:message_send", args=[number.pk]), {"to": "123", "body": "Hi"}
    )
    assert "Enter a valid phone number" in response.content.decode()
    assert Message.objects.count() == 0


def test_the_inbox_partial_for_htmx(client, member):
    number = sms_number(member.client)
    Message.objects.create(
        number=number, client=member.client, provider_account=number.provider_account,
        direction=Direction.IN, sender="+31612345678", recipient=number.e164,
        body="Polled in", status=MessageStatus.RECEIVED, external_id="in_x",
    )  # fmt: skip
    client.force_login(member.user)
    html = _page(client, number, page="1").content.decode()
    assert "<html" in html
    response = client.get(
        reverse("messaging:number_messages", args=[number.pk]), headers={"HX-Request": "true"}
    )
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="inbox"') and "<html" not in fragment
    assert "Polled in" in fragment and "06 12345678" in fragment  # national, the client's NL


def test_the_inbox_is_paginated_newest_first(client, member):
    number = sms_number(member.client)
    for i in range(25):
        Message.objects.create(
            number=number, client=member.client, provider_account=number.provider_account,
            direction=Direction.IN, sender="+31612345678", recipient=number.e164,
            body=f"text {i:02d}", status=MessageStatus.RECEIVED, external_id=f"in_{i}",
        )  # fmt: skip
    client.force_login(member.user)
    first = _page(client, number).content.decode()
    assert first.index("text 24") < first.index("text 05") and "text 04" not in first
    second = _page(client, number, page=2).content.decode()
    assert "text 04" in second and "text 24" not in second
    assert 'hx-trigger="every' not in second  # only the first page polls


def test_resellers_do_not_read_their_clients_texts(client, member):
    number = sms_number(member.client)
    client.force_login(reseller_member(member.client.reseller).user)
    assert _page(client, number).status_code == 403


def test_the_numbers_list_links_to_messages(client, member):
    number = sms_number(member.client)
    client.force_login(member.user)
    html = client.get(reverse("billing:numbers")).content.decode()
    assert reverse("messaging:number_messages", args=[number.pk]) in html


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_forwarding_settings_show_the_secret_once(client):
    admin = client_member(ClientFactory(), Role.CLIENT_ADMIN)
    client.force_login(admin.user)
    page = reverse("messaging:forwarding")
    assert client.get(page).status_code == 200
    bad = client.post(page, {"email": "", "url": "https://127.0.0.1/hook"})
    assert "public address" in bad.content.decode()
    response = client.post(page, {"email": "ops@example.com", "url": "https://hooks.example.com/"})
    html = response.content.decode()
    secret = re.search(r'id="signing-secret">(whsec_[^<]+)<', html).group(1)
    assert "X-Webhook-Signature" in html and "X-Webhook-Timestamp" in html
    again = client.get(page).content.decode()
    assert secret not in again and secret[:10] in again  # only its first characters
    renewed = client.post(reverse("messaging:forwarding_secret")).content.decode()
    assert 'id="signing-secret"' in renewed and secret not in renewed


def test_client_users_cannot_change_forwarding(client, member):
    client.force_login(member.user)
    assert client.get(reverse("messaging:forwarding")).status_code == 403
    assert client.post(reverse("messaging:forwarding_secret")).status_code == 403
