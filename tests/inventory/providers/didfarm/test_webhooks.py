"""Webhook signature checks and event parsing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from inventory.providers.didfarm.adapter import DidfarmAdapter
from inventory.providers.didfarm.webhooks import (
    SIGNATURE_HEADER,
    WebhookError,
    parse_event,
    sign,
    verify,
)
from inventory.providers.types import OrderRequest
from inventory.sandbox.didfarm import DidfarmSandbox

from . import docs_examples as doc

SECRET = "whsec_test"


def _hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_sign_is_hex_hmac_sha256_of_the_raw_body() -> None:
    assert sign(SECRET, doc.WEBHOOK_BODY) == _hmac(SECRET, doc.WEBHOOK_BODY)


@pytest.mark.parametrize(
    "header",
    [
        _hmac(SECRET, doc.WEBHOOK_BODY),
        "sha256=" + _hmac(SECRET, doc.WEBHOOK_BODY),
        "SHA256=" + _hmac(SECRET, doc.WEBHOOK_BODY).upper(),
        "  " + _hmac(SECRET, doc.WEBHOOK_BODY) + "\n",
    ],
)
def test_verify_accepts_a_genuine_signature(header: str) -> None:
    assert verify(SECRET, doc.WEBHOOK_BODY, header) is True


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        ("other-secret", doc.WEBHOOK_BODY, _hmac(SECRET, doc.WEBHOOK_BODY)),
        (SECRET, doc.WEBHOOK_BODY + b" ", _hmac(SECRET, doc.WEBHOOK_BODY)),
        (SECRET, doc.WEBHOOK_BODY, ""),
        ("", doc.WEBHOOK_BODY, _hmac("", doc.WEBHOOK_BODY)),
        (SECRET, doc.WEBHOOK_BODY, "sha256="),
        (SECRET, doc.WEBHOOK_BODY, "sha1=" + _hmac(SECRET, doc.WEBHOOK_BODY)),
        (SECRET, doc.WEBHOOK_BODY, "sïgnätüre ✓"),
        (SECRET, doc.WEBHOOK_BODY, _hmac(SECRET, doc.WEBHOOK_BODY)[:-1]),
    ],
)
def test_verify_refuses_anything_else(secret: str, body: bytes, header: str) -> None:
    assert verify(secret, body, header) is False


def test_parse_the_documented_payload() -> None:
    event = parse_event(doc.WEBHOOK_BODY)
    assert event.type == "number.activated"
    assert event.known is True
    assert event.data["number"] == "+31201234567"
    assert event.data["order_id"] == 1042
    assert event.timestamp == datetime(2026, 4, 5, 14, 30, tzinfo=UTC)
    # No id in the document's payload: derived from the body, so a retried delivery matches.
    assert event.id == "sha256:" + hashlib.sha256(doc.WEBHOOK_BODY).hexdigest()
    assert parse_event(doc.WEBHOOK_BODY).id == event.id
    assert parse_event(doc.WEBHOOK_BODY.replace(b"1042", b"1043")).id != event.id


def test_parse_keeps_an_explicit_id_and_unknown_types() -> None:
    event = parse_event(b'{"id": "evt_1", "event": "payment.failed", "data": null}')
    assert event.id == "evt_1"
    assert event.data == {}
    assert event.known is True
    assert parse_event(b'{"event": "brand.new"}').known is False


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"data": {}}', b'{"event": ""}', b'{"event": "x", "data": []}'],
)
def test_parse_refuses_non_events(body: bytes) -> None:
    with pytest.raises(WebhookError):
        parse_event(body)


def test_sandbox_webhooks_verify_and_parse(live: DidfarmAdapter, sandbox: DidfarmSandbox) -> None:
    group = next(r.external_id for r in live.coverage() if r.country == "US")
    order = live.place_order(OrderRequest(our_reference="oi-w", group_external_id=group))
    number = live.get_order(order.external_id).numbers[0]
    live.release(number)
    assert [w.event for w in sandbox.state.webhooks_due] == ["number.activated", "number.released"]
    for delivery in sandbox.state.webhooks_due:
        assert verify(SECRET, delivery.body, delivery.headers[SIGNATURE_HEADER])
        event = parse_event(delivery.body)
        assert event.type == delivery.event
        assert event.data["number"] == number
        assert str(event.data["order_id"]) == order.external_id
