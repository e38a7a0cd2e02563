"""Sending a text from a client's number: the request, the job, and each way it ends."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from customers.models import Membership, Role
from inventory.models import Number
from inventory.models_numbers import NumberStatus
from inventory.providers import errors
from inventory.providers.types import SentMessage
from inventory.sandbox.registry import sandbox_for
from messaging.models import Direction, Message, MessageStatus
from messaging.services import SEND_ATTEMPTS, message_send, message_send_request
from tests.factories import ClientFactory, client_member

from .support import ACCOUNT, sms_number

pytestmark = pytest.mark.django_db

TO = "+31612345678"


@pytest.fixture
def member() -> Membership:
    return client_member(ClientFactory(billing_country="NL"), Role.CLIENT_USER)


def _queue(member, number, to=TO, body="Hello") -> Message:
    return message_send_request(actor=member, number=number, to=to, body=body)


def test_a_client_user_sends_a_text_through_the_simulator(
    member, django_capture_on_commit_callbacks
):
    number = sms_number(member.client)
    with django_capture_on_commit_callbacks() as callbacks:
        message = _queue(member, number, to="06 1234 5678")  # national, read in the client's NL
    assert len(callbacks) == 1  # the job, after commit
    assert message.status == MessageStatus.QUEUED and message.recipient == TO
    sandbox = sandbox_for("didfarm", ACCOUNT)
    balance = sandbox.state.balance_cents

    assert message_send(message_id=message.pk) == "sent"

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.external_id.startswith("msg_")
    assert message.attempts == 1 and message.error == ""
    sent = [m for m in sandbox.state.messages if m.get("to") == TO]
    assert [(m["from"], m["body"]) for m in sent] == [(number.e164, "Hello")]
    assert sandbox.state.balance_cents == balance - 8  # one SMS segment upstream
    # Running the job again sends nothing more.
    assert message_send(message_id=message.pk) == "sent: nothing to do"
    assert len([m for m in sandbox.state.messages if m.get("to") == TO]) == 1


@pytest.mark.parametrize(
    ("to", "body", "field"),
    [
        ("12", "Hi", "to"),
        ("not a number", "Hi", "to"),
        (TO, "   ", "body"),
        (TO, "x" * 1601, "body"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(member, to, body, field):
    number = sms_number(member.client)
    with pytest.raises(ValidationError) as caught:
        _queue(member, number, to=to, body=body)
    assert field in caught.value.error_dict
    assert Message.objects.count() == 0


def test_a_number_cannot_text_itself(member):
    number = sms_number(member.client)
    with pytest.raises(ValidationError) as caught:
        _queue(member, number, to=number.e164)
    assert "to" in caught.value.error_dict


def test_a_number_without_texts_refuses_to_queue(member):
    number = sms_number(member.client, sms=False)
    with pytest.raises(ValidationError, match="cannot send or receive text messages"):
        _queue(member, number)
    assert Message.objects.count() == 0


def test_another_clients_number_is_refused(member):
    other = sms_number(ClientFactory())
    with pytest.raises(ValidationError):
        _queue(member, other)


def test_a_suspended_number_cannot_send(member):
    number = sms_number(member.client)
    Number.objects.filter(pk=number.pk).update(status=NumberStatus.SUSPENDED)
    number.refresh_from_db()
    with pytest.raises(ValidationError, match="not in service"):
        _queue(member, number)


def test_the_providers_refusal_is_shown_plainly(member):
    """Our catalog says SMS, the simulator's account does not: it answers 422
    sms_not_supported, which the client reads without the provider's name or words."""
    number = sms_number(member.client, sms=True, sms_upstream=False)
    message = _queue(member, number)
    assert message_send(message_id=message.pk).startswith("failed")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.error == "This number cannot send text messages."
    assert "didfarm" not in message.error.lower()
    assert "SMS is not available on this number" in message.detail  # the provider's, for staff


class _Refusing:
    capabilities = frozenset({"sms"})

    def __init__(self, error: errors.ProviderError) -> None:
        self.error, self.calls = error, 0

    def sms_send(self, sender, to, body) -> SentMessage:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (errors.InvalidRequest("x", field="to", code="validation_error"),
         "The destination number is not valid."),
        (errors.InvalidRequest("x", field="number", code="number_not_active"),
         "This number is not active yet: it cannot send text messages."),
        (errors.InsufficientFunds("x", code="insufficient_balance"),
         "Text messages cannot be sent at the moment. Please try again later."),
        (errors.AuthFailed("x"),
         "Text messages cannot be sent at the moment. Please try again later."),
    ],
)  # fmt: skip
def test_each_refusal_reads_as_a_plain_sentence(member, monkeypatch, error, shown):
    number = sms_number(member.client)
    stub = _Refusing(error)
    monkeypatch.setattr("messaging.services.adapter_for", lambda account: stub)
    message = _queue(member, number)
    message_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.error, stub.calls) == (MessageStatus.FAILED, shown, 1)


@pytest.mark.parametrize(
    "faults",
    [
        {"lost_purchase_rate": 1.0},  # sent upstream, answer lost (timeout)
        {"lost_purchase_rate": 1.0, "lost_mode": "502"},
        {"error_rate": 1.0, "error_statuses": [500]},
        {"error_rate": 1.0, "error_statuses": [503]},
        {"timeout_rate": 1.0},
    ],
)
def test_an_unknown_outcome_is_never_sent_again(member, faults):
    number = sms_number(member.client, faults=faults)
    message = _queue(member, number)
    assert message_send(message_id=message.pk) == "unknown: not sent again"
    message.refresh_from_db()
    assert message.status == MessageStatus.UNKNOWN and message.attempts == 1
    assert message_send(message_id=message.pk) == "unknown: nothing to do"
    sandbox = sandbox_for("didfarm", ACCOUNT)
    sent = [m for m in sandbox.state.messages if m.get("to") == TO]
    assert len(sent) <= 1  # at most once upstream, whatever happened
    if faults.get("lost_purchase_rate") == 1.0:
        assert len(sent) == 1  # it did go: exactly why it must not be sent again
    assert message.attempts == 1


def test_rate_limiting_requeues_then_gives_up(member, django_capture_on_commit_callbacks):
    number = sms_number(member.client, faults={"burst_429": 1})  # every request answers 429
    message = _queue(member, number)
    for attempt in range(1, SEND_ATTEMPTS):
        with django_capture_on_commit_callbacks() as callbacks:
            assert message_send(message_id=message.pk).startswith("rate limited")
        assert len(callbacks) == 1  # tried again shortly: nothing was sent
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, attempt)
    assert message_send(message_id=message.pk) == "failed: still rate limited"
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "try again later" in message.error
    assert not [m for m in sandbox_for("didfarm", ACCOUNT).state.messages if m.get("to") == TO]


def test_a_job_that_died_mid_call_leaves_the_text_unknown(member):
    number = sms_number(member.client)
    message = _queue(member, number)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, attempts=1)
    assert message_send(message_id=message.pk).startswith("unknown")
    message.refresh_from_db()
    assert message.status == MessageStatus.UNKNOWN
    assert not [m for m in sandbox_for("didfarm", ACCOUNT).state.messages if m.get("to") == TO]


def test_only_outbound_texts_are_sent(member):
    number = sms_number(member.client)
    inbound = Message.objects.create(
        number=number, client=member.client, provider_account=number.provider_account,
        direction=Direction.IN, sender=TO, recipient=number.e164, body="hi",
        status=MessageStatus.QUEUED, external_id="x",
    )  # fmt: skip
    assert message_send(message_id=inbound.pk) == "locked or gone"


def test_a_suspended_client_cannot_send(member):
    from customers.models import Client
    from customers.tenant_status import TenantPaused

    number = sms_number(member.client)
    Client.objects.filter(pk=member.client_id).update(status=Client.Status.SUSPENDED)
    with pytest.raises(TenantPaused):
        _queue(member, number)
    assert Message.objects.count() == 0


def test_texts_whose_job_was_lost_are_found_by_the_sweeper(member):
    from datetime import timedelta

    from django.utils import timezone

    from messaging.services import stuck_message_ids

    number = sms_number(member.client)
    lost, fresh, flying = (_queue(member, number, body=f"t{i}") for i in range(3))
    old = timezone.now() - timedelta(minutes=2)
    Message.objects.filter(pk=lost.pk).update(updated_at=old)
    Message.objects.filter(pk=flying.pk).update(updated_at=old, status=MessageStatus.SENDING)
    assert stuck_message_ids() == [lost.pk]  # never the one in flight: that is "unknown"
    assert message_send(message_id=lost.pk) == "sent"
    assert stuck_message_ids() == []
    assert fresh.status == MessageStatus.QUEUED
