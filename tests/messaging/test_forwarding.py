"""Forwarding received texts: settings, the signed POST, email, retries with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest
import respx
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from customers.models import Role
from inventory.providers.webhooks import InboundEvent, InboundMessage
from messaging.forwarding import (
    BACKOFF,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    due_delivery_ids,
    forward_delivery_attempt,
    forward_url_problem,
    forwarding_save,
    forwarding_secret_regenerate,
)
from messaging.models import Channel, DeliveryState, ForwardDelivery
from messaging.services import message_receive
from tests.factories import ClientFactory, client_member

from .conftest import PUBLIC_IP
from .support import sms_number

pytestmark = pytest.mark.django_db

HOOK = "https://hooks.example.com/sms"
HOOK_AT = f"https://{PUBLIC_IP}/sms"  # where its deliveries go: the vetted address


@pytest.fixture
def admin():
    return client_member(ClientFactory(billing_country="NL"), Role.CLIENT_ADMIN)


def _receive(number, message_id="in_1", body="Hello"):
    event = InboundEvent(
        event_id=f"ev-{message_id}",
        kind="message.received",
        number=number.e164,
        timestamp=timezone.now(),
        message=InboundMessage(number.e164, "+31612345678", body, message_id),
    )
    return message_receive(account=number.provider_account, event=event)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://hooks.example.com/sms", "https://"),
        ("ftp://hooks.example.com/", "https://"),
        ("https://localhost/hook", "public address"),
        ("https://127.0.0.1/hook", "public address"),
        ("https://10.1.2.3/hook", "public address"),
        ("https://192.168.0.10:8443/hook", "public address"),
        ("https://169.254.169.254/latest/meta-data", "public address"),
        ("https://[::1]/hook", "public address"),
        ("https://user:pw@hooks.example.com/", "user name"),
        ("https://", "valid URL"),
    ],
)
@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_forwarding_urls_must_be_public_https(url, problem):
    assert problem in (forward_url_problem(url) or "")


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_a_public_https_url_is_fine():
    assert forward_url_problem(HOOK) is None
    assert forward_url_problem("https://203.0.113.9/hook") is not None  # documentation range
    assert forward_url_problem("https://8.8.8.8/hook") is None


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_saving_a_bad_url_changes_nothing(admin):
    with pytest.raises(ValidationError) as caught:
        forwarding_save(actor=admin, email="", url="https://127.0.0.1/x")
    assert "url" in caught.value.error_dict


def test_only_client_admins_set_forwarding():
    user = client_member(ClientFactory(), Role.CLIENT_USER)
    with pytest.raises(ValidationError):
        forwarding_save(actor=user, email="ops@example.com", url="")
    with pytest.raises(ValidationError):
        forwarding_secret_regenerate(actor=user)


def test_the_secret_is_made_once_and_can_be_replaced(admin):
    forwarding, secret = forwarding_save(actor=admin, email="", url=HOOK)
    assert secret.startswith("whsec_") and forwarding.signing_secret == secret
    _again, none = forwarding_save(actor=admin, email="a@example.com", url=HOOK)
    assert none == ""  # not shown again
    new = forwarding_secret_regenerate(actor=admin)
    forwarding.refresh_from_db()
    assert new != secret and forwarding.signing_secret == new
    assert forwarding.secret_hint == new[:10]


def test_a_received_text_is_posted_signed_and_emailed(admin, django_capture_on_commit_callbacks):
    number = sms_number(admin.client)
    _forwarding, secret = forwarding_save(actor=admin, email="inbox@example.com", url=HOOK)
    with django_capture_on_commit_callbacks() as callbacks:
        message, created = _receive(number)
    assert created and len(callbacks) == 1  # enqueued after commit, not run in the webhook
    deliveries = {d.channel: d for d in ForwardDelivery.objects.all()}
    assert set(deliveries) == {Channel.EMAIL, Channel.URL}

    with respx.mock(assert_all_called=True) as router:
        route = router.post(HOOK_AT).mock(return_value=httpx.Response(204))
        assert forward_delivery_attempt(delivery_id=deliveries[Channel.URL].pk) == "delivered"
    request = route.calls.last.request
    timestamp = request.headers[TIMESTAMP_HEADER]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.content, hashlib.sha256
    ).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == "sha256=" + expected
    payload = json.loads(request.content)
    assert payload | {"received_at": "-"} == {
        "event": "message.received", "id": f"msg_{message.pk}", "number": number.e164,
        "from": "+31612345678", "to": number.e164, "body": "Hello", "received_at": "-",
    }  # fmt: skip

    assert forward_delivery_attempt(delivery_id=deliveries[Channel.EMAIL].pk) == "delivered"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["inbox@example.com"] and "Hello" in email.body
    assert "+31612345678" in email.subject
    for delivery in ForwardDelivery.objects.all():
        assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 1)


def test_a_failing_url_is_retried_with_backoff_then_given_up(admin):
    number = sms_number(admin.client)
    forwarding_save(actor=admin, email="", url=HOOK)
    _receive(number)
    delivery = ForwardDelivery.objects.get()
    now = timezone.now()
    with respx.mock(assert_all_called=True) as router:
        route = router.post(HOOK_AT)
        route.side_effect = [httpx.Response(503)] * 3 + [httpx.ConnectTimeout("slow")] * 10
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert due_delivery_ids(now) == [delivery.pk]
            outcome = forward_delivery_attempt(delivery_id=delivery.pk, now=now)
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                wait = BACKOFF[attempt - 1]
                assert delivery.state == DeliveryState.PENDING
                assert delivery.next_attempt_at == now + wait
                # Not due a moment before its time: the sweeper leaves it alone.
                assert due_delivery_ids(now + wait - timedelta(seconds=1)) == []
                assert forward_delivery_attempt(
                    delivery_id=delivery.pk, now=now + wait - timedelta(seconds=1)
                ) == "not due"  # fmt: skip
                now += wait
        assert route.call_count == MAX_ATTEMPTS
    assert outcome.startswith("failed for good")
    assert delivery.state == DeliveryState.FAILED and delivery.last_status == "timed out"
    assert due_delivery_ids(now + timedelta(days=2)) == []


def test_a_url_that_recovers_is_delivered(admin):
    number = sms_number(admin.client)
    forwarding_save(actor=admin, email="", url=HOOK)
    _receive(number)
    delivery = ForwardDelivery.objects.get()
    now = timezone.now()
    with respx.mock() as router:
        router.post(HOOK_AT).side_effect = [httpx.Response(500), httpx.Response(200)]
        forward_delivery_attempt(delivery_id=delivery.pk, now=now)
        delivery.refresh_from_db()
        assert delivery.last_status == "HTTP 500"
        assert forward_delivery_attempt(delivery_id=delivery.pk, now=now + BACKOFF[0]) == (
            "delivered"
        )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 2, "HTTP 200")


@override_settings(MESSAGING_FORWARD_ALLOW_PRIVATE=False)
def test_a_redirect_is_not_followed(admin):
    number = sms_number(admin.client)
    forwarding_save(actor=admin, email="", url=HOOK)
    _receive(number)
    delivery = ForwardDelivery.objects.get()
    with respx.mock() as router:
        router.post(HOOK_AT).mock(
            return_value=httpx.Response(302, headers={"Location": "http://127.0.0.1/"})
        )
        forward_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status) == (DeliveryState.PENDING, "HTTP 302")


def test_a_duplicate_text_is_not_forwarded_twice(admin):
    number = sms_number(admin.client)
    forwarding_save(actor=admin, email="inbox@example.com", url="")
    _receive(number)
    _message, created = _receive(number)
    assert not created
    assert ForwardDelivery.objects.count() == 1


def test_no_forwarding_no_deliveries(admin):
    _receive(sms_number(admin.client))
    assert ForwardDelivery.objects.count() == 0
