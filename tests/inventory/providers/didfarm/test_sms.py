"""DIDfarm texts: ``sms_send`` against the guide's example, the simulator and faults; the
``message.received`` webhook read into an ``InboundMessage``."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.didfarm.webhooks import event_parse
from inventory.providers.errors import (
    InsufficientFunds,
    InvalidRequest,
    OutcomeUnknown,
    RateLimited,
)
from inventory.providers.types import SentMessage
from inventory.providers.webhooks import MalformedEvent
from inventory.sandbox.didfarm import DidfarmSandbox
from inventory.sandbox.didfarm_state import Did, now
from inventory.sandbox.faults import FaultConfig, FaultyTransport

from .conftest import make_config

# Connect guide, "Send Messages".
DOC_REQUEST = {
    "from": "+31612345678",
    "to": "+31687654321",
    "body": "Your appointment is confirmed for tomorrow at 10:00.",
}
SENT = {"data": {"id": "msg_9", "status": "queued", "segments": 1, "cost": 8}}


def _send(adapter: DidfarmAdapter) -> SentMessage:
    return adapter.sms_send(DOC_REQUEST["from"], DOC_REQUEST["to"], DOC_REQUEST["body"])


def _error(status: int, code: str, message: str) -> httpx.Response:
    body = {"error": {"code": code, "message": message, "status": status}}
    return httpx.Response(status, json=body)


def test_the_guides_example_is_what_we_send(api: respx.MockRouter, adapter) -> None:
    route = api.post("/messages/send").mock(return_value=httpx.Response(201, json=SENT))
    assert _send(adapter) == SentMessage(external_id="msg_9", status="queued")
    request = route.calls.last.request
    assert json.loads(request.content) == DOC_REQUEST
    assert request.headers["Authorization"].startswith("Bearer ")


def test_numbers_are_sent_as_e164(api: respx.MockRouter, adapter) -> None:
    route = api.post("/messages/send").mock(return_value=httpx.Response(201, json=SENT))
    adapter.sms_send("+31 6 1234 5678", "0031687654321", "Hi")
    sent = json.loads(route.calls.last.request.content)
    assert (sent["from"], sent["to"]) == ("+31612345678", "+31687654321")


@pytest.mark.parametrize(
    ("response", "error", "field", "code"),
    [
        (_error(422, "validation_error", "The to field must be a valid E.164 number."),
         InvalidRequest, "to", "validation_error"),
        (_error(422, "sms_not_supported", "SMS is not available on this number."),
         InvalidRequest, "from", "sms_not_supported"),
        (_error(422, "insufficient_balance", "Wallet balance too low for this purchase."),
         InsufficientFunds, None, "insufficient_balance"),
    ],
)  # fmt: skip
def test_refusals_are_typed(api, adapter, response, error, field, code) -> None:
    route = api.post("/messages/send").mock(return_value=response)
    with pytest.raises(error) as caught:
        _send(adapter)
    assert caught.value.code == code
    if field is not None:
        assert caught.value.field == field
    assert route.call_count == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_an_unknown_outcome_never_retried(api, adapter, status) -> None:
    route = api.post("/messages/send").mock(return_value=_error(status, "server_error", "Oops"))
    with pytest.raises(OutcomeUnknown):
        _send(adapter)
    assert route.call_count == 1


def test_a_timeout_is_an_unknown_outcome_never_retried(api, adapter) -> None:
    route = api.post("/messages/send").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknown):
        _send(adapter)
    assert route.call_count == 1


def test_rate_limiting_is_not_retried_here(api, adapter) -> None:
    """A 429 means nothing was sent: the caller may send later (the job does, with backoff)."""
    response = _error(429, "rate_limited", "Too many requests.")
    response.headers["Retry-After"] = "3"
    route = api.post("/messages/send").mock(return_value=response)
    with pytest.raises(RateLimited) as caught:
        _send(adapter)
    assert caught.value.retry_after == 3 and route.call_count == 1


def test_an_unreadable_success_is_an_unknown_outcome(api, adapter) -> None:
    api.post("/messages/send").mock(return_value=httpx.Response(201, text="<html>ok</html>"))
    with pytest.raises(OutcomeUnknown):
        _send(adapter)


def test_bad_numbers_and_empty_texts_are_refused_before_any_call(api, adapter) -> None:
    route = api.post("/messages/send").mock(return_value=httpx.Response(201, json=SENT))
    for sender, to, body, field in (
        ("x", "+31687654321", "Hi", "from"),
        ("+31612345678", "12", "Hi", "to"),
        ("+31612345678", "+31687654321", "  ", "body"),
    ):
        with pytest.raises(InvalidRequest) as caught:
            adapter.sms_send(sender, to, body)
        assert caught.value.field == field
    assert route.call_count == 0


# --- the simulator --------------------------------------------------------------------------


def _own(sandbox: DidfarmSandbox, *, sms: bool) -> str:
    kind = "mobile" if sms else "local"
    offer = next(o for o in sandbox.stock("NL", kind).offers if o.sms == sms)
    did = Did(sandbox.state.next_id("did", 42), offer, 1, "monthly", {}, now(), status="active")
    sandbox.state.numbers[did.id] = did
    return offer.number


def test_the_simulator_sends_charges_and_replies(live, sandbox) -> None:
    sender = _own(sandbox, sms=True)
    balance = sandbox.state.balance_cents
    sent = live.sms_send(sender, "+31687654321", "x" * 161)  # two segments
    assert sent.external_id.startswith("msg_")
    assert sandbox.state.balance_cents == balance - 16
    [reply] = sandbox.state.webhooks_due
    event = event_parse(reply.body)
    assert event.kind == "message.received" and event.message is not None
    assert (event.message.number, event.message.sender) == (sender, "+31687654321")
    assert event.message.message_id.startswith("in_")


def test_the_simulator_refuses_a_number_without_sms(live, sandbox) -> None:
    sender = _own(sandbox, sms=False)
    with pytest.raises(InvalidRequest) as caught:
        live.sms_send(sender, "+31687654321", "Hi")
    assert caught.value.code == "sms_not_supported"
    assert not sandbox.state.webhooks_due


def test_the_simulator_refuses_a_number_it_does_not_hold(live, sandbox) -> None:
    with pytest.raises(InvalidRequest) as caught:
        live.sms_send("+31612345678", "+31687654321", "Hi")
    assert caught.value.code == "invalid_number"


def test_a_lost_answer_from_the_simulator_sent_the_text_once(sandbox) -> None:
    sender = _own(sandbox, sms=True)
    faulty = FaultyTransport(sandbox, FaultConfig(lost_purchase_rate=1.0))
    adapter = DidfarmAdapter(make_config(transport=faulty))
    with pytest.raises(OutcomeUnknown):
        adapter.sms_send(sender, "+31687654321", "Hi")
    assert len([m for m in sandbox.state.messages if m.get("to") == "+31687654321"]) == 1


def test_the_simulator_takes_injected_texts_over_http(sandbox) -> None:
    number = _own(sandbox, sms=True)
    client = httpx.Client(
        transport=sandbox.transport(),
        base_url="https://didfarm.com/api/v1",
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
    )
    body = {"to": number, "from": "+31687654321", "body": "Ping"}
    assert client.post("/sandbox/messages/inbound", json=body).status_code == 201
    assert event_parse(sandbox.state.webhooks_due[0].body).message.body == "Ping"
    assert client.post("/sandbox/messages/inbound", json=body | {"to": "+3120"}).status_code == 404
    assert client.post("/sandbox/messages/inbound", json=body | {"body": ""}).status_code == 422


# --- the webhook ----------------------------------------------------------------------------


def _webhook(**data) -> bytes:
    return json.dumps(
        {"event": "message.received", "timestamp": "2026-04-05T14:30:00Z", "data": data}
    ).encode()


def test_a_message_event_carries_the_message() -> None:
    event = event_parse(
        _webhook(number="+31 20 123 4567", **{"from": "+31612345678"}, body="Hi", message_id=7)
    )
    assert event.message is not None
    assert (event.message.number, event.message.sender, event.message.body) == (
        "+31201234567", "+31612345678", "Hi"
    )  # fmt: skip
    assert event.message.message_id == "7"


def test_other_events_carry_no_message() -> None:
    body = json.dumps({"event": "number.activated", "data": {"number": "+31201234567"}})
    assert event_parse(body.encode()).message is None


@pytest.mark.parametrize(
    "data",
    [{"from": "+31612345678", "body": "Hi"}, {"number": "+31201234567", "body": "Hi"},
     {"number": "+31201234567", "from": "+31612345678"}],
)  # fmt: skip
def test_a_message_event_without_its_parts_is_malformed(data) -> None:
    with pytest.raises(MalformedEvent):
        event_parse(_webhook(**data))


@pytest.mark.parametrize("kind", ["didww", "idtexpress", "pbxme"])
def test_adapters_without_sms_refuse_to_send(kind) -> None:
    from inventory.providers.registry import PROVIDERS

    cls = PROVIDERS[kind].adapter_class
    assert "sms" not in cls.capabilities
    with pytest.raises(InvalidRequest) as caught:
        cls.sms_send(object.__new__(cls), "+31612345678", "+31687654321", "Hi")
    assert caught.value.code == "sms_not_supported"
