"""Received texts: DIDfarm's signed message.received webhook to the number's inbox, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.models import ProviderEvent
from customers.models import Role
from inventory.sandbox.delivery import deliver_due_callbacks
from inventory.sandbox.registry import sandbox_for
from messaging.models import Direction, Message, MessageStatus
from messaging.services import message_send, message_send_request
from tests.billing.webhooks_support import client_post, didfarm_body, didfarm_send, url
from tests.factories import ClientFactory, client_member

from .support import ACCOUNT, SECRET, sms_account, sms_number

pytestmark = pytest.mark.django_db

SENDER = "+31612345678"


@pytest.fixture
def web():
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.fixture
def number():
    return sms_number(ClientFactory(billing_country="NL"))


def _body(ours, *, when=None, **extra):
    data = {"message_id": "in_1", "number": ours.e164, "from": SENDER, "body": "Hi there"}
    return didfarm_body("message.received", when=when, **(data | extra))


def test_a_signed_text_lands_in_the_numbers_inbox(web, number):
    response = didfarm_send(web, number.provider_account, _body(number), secret=SECRET)
    assert response.status_code == 200 and response.json() == {"ok": True, "duplicate": False}
    message = Message.objects.get()
    assert (message.number, message.client, message.direction, message.status) == (
        number, number.client, Direction.IN, MessageStatus.RECEIVED
    )  # fmt: skip
    assert (message.sender, message.recipient, message.body) == (SENDER, number.e164, "Hi there")
    assert message.external_id == "in_1"
    assert ProviderEvent.objects.count() == 0  # not an order's business


def test_a_replayed_text_is_stored_once(web, number):
    body = _body(number)
    for _ in range(3):
        assert didfarm_send(web, number.provider_account, body, secret=SECRET).status_code == 200
    assert didfarm_send(web, number.provider_account, body, secret=SECRET).json()["duplicate"]
    # A new delivery of the same message (another timestamp, same message id) too.
    later = _body(number, when=datetime.now(UTC) + timedelta(seconds=30))
    assert didfarm_send(web, number.provider_account, later, secret=SECRET).json()["duplicate"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize("sig", ["", "0" * 64, "sha256=" + "f" * 64])
def test_a_bad_signature_is_refused_and_stores_nothing(web, number, sig):
    response = didfarm_send(web, number.provider_account, _body(number), sig=sig)
    assert response.status_code == 401
    assert Message.objects.count() == 0


def test_a_text_signed_with_another_secret_is_refused(web, number):
    response = didfarm_send(web, number.provider_account, _body(number), secret="whsec_other")
    assert response.status_code == 401
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"number": None},  # no number of ours
        {"from": None},
        {"body": None},
        {"number": "not a number"},
    ],
)
def test_a_text_without_its_parts_is_malformed(web, number, data):
    response = didfarm_send(web, number.provider_account, _body(number, **data), secret=SECRET)
    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_a_stale_text_is_refused(web, number):
    old = _body(number, when=datetime.now(UTC) - timedelta(hours=30))
    assert didfarm_send(web, number.provider_account, old, secret=SECRET).status_code == 400
    assert Message.objects.count() == 0


def test_variants_of_the_payload_are_read(web, number):
    """The guide shows no payload for message.received: ``to``/``sender``/``text``/``id`` too,
    and without a message id the event's own id dedupes."""
    data = {"to": number.e164, "sender": "ACME", "text": "Your code is 1234"}
    body = didfarm_body("message.received", **data)
    assert didfarm_send(web, number.provider_account, body, secret=SECRET).status_code == 200
    assert didfarm_send(web, number.provider_account, body, secret=SECRET).json()["duplicate"]
    message = Message.objects.get()
    assert (message.sender, message.body) == ("ACME", "Your code is 1234")
    assert message.external_id.startswith("sha256:")


def test_a_text_for_a_number_not_ours_is_acknowledged_and_dropped(web, number):
    body = _body(number, number="+31201111111")
    response = didfarm_send(web, number.provider_account, body, secret=SECRET)
    assert response.status_code == 200
    assert Message.objects.count() == 0


def test_a_text_for_our_number_at_another_account_is_not_taken(web, number):
    """The number is looked up at the account the webhook came for only."""
    from inventory.accounts import provider_account_create

    other = provider_account_create(
        kind="didfarm", name="didfarm-other", sandbox=True, rate_limit="", webhook_secret="whsec_o"
    )
    assert didfarm_send(web, other, _body(number), secret="whsec_o").status_code == 200
    assert Message.objects.count() == 0


def test_the_simulators_auto_reply_arrives_as_a_webhook(web):
    """Send through the simulator, deliver what it queued: the reply is in the inbox."""
    member = client_member(ClientFactory(billing_country="NL"), Role.CLIENT_USER)
    number = sms_number(member.client)
    sent = message_send_request(actor=member, number=number, to=SENDER, body="Are you open?")
    assert message_send(message_id=sent.pk) == "sent"
    sandbox = sandbox_for("didfarm", ACCOUNT)
    results = deliver_due_callbacks(sandbox, client_post(web), webhook_url=url(sms_account()))
    assert [status for _delivery, status in results] == [200]
    reply = Message.objects.get(direction=Direction.IN)
    assert (reply.number, reply.sender, reply.recipient) == (number, SENDER, number.e164)
    assert "Are you open?" in reply.body


def test_an_injected_text_arrives_too(web, number):
    sandbox = sandbox_for("didfarm", ACCOUNT)
    message_id = sandbox.inbound_message(number.e164, SENDER, "Injected")
    deliver_due_callbacks(sandbox, client_post(web), webhook_url=url(number.provider_account))
    assert Message.objects.get().external_id == message_id
    with pytest.raises(ValueError):
        sandbox.inbound_message("+31201111111", SENDER, "not a number of the account")
