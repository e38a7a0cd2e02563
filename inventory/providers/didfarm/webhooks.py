"""DIDfarm webhooks: signature check and event parsing.

``X-DIDfarm-Signature`` carries the hex HMAC-SHA256 of the raw request body keyed with the
account's webhook secret (Account → Webhooks in the DIDfarm portal); a ``sha256=`` prefix is
accepted. Verify against the raw bytes, before any JSON decoding: re-serialised JSON differs.

Payload (Connect guide): ``{"event": "number.activated", "timestamp": "...", "data": {...}}``.
The document shows no event id, yet deliveries are retried for up to 24 hours, so handlers need
one to drop duplicates: an ``id`` field is used when present, else the SHA-256 of the raw body —
a retried delivery carries the same body, hence the same id.

``message.received`` (an inbound SMS; the guide names the event but shows no payload): ``data``
as for the number events, read as ``number`` (our number, E.164; ``to`` accepted), ``from``
(``sender`` accepted), ``body`` (``text`` or ``message`` accepted) and ``message_id`` (``id``
accepted; else the event id). Such an event carries an ``InboundMessage`` and goes to messaging.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..webhooks import (
    NUMBER_BLOCKED,
    NUMBER_RELEASED,
    InboundEvent,
    InboundMessage,
    MalformedEvent,
    e164,
    scalar,
    storable,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from inventory.models import ProviderAccount

SIGNATURE_HEADER = "X-DIDfarm-Signature"

# Connect guide events, then the older reference's (still accepted: parse_event keeps any type).
EVENTS = frozenset(
    {
        "number.activated",
        "number.suspended",
        "number.released",
        "regulatory.approved",
        "regulatory.rejected",
        "trunk.registered",
        "trunk.offline",
        "message.received",
        "number.provisioned",
        "payment.succeeded",
        "payment.failed",
        "number.expiring",
    }
)


MESSAGE_RECEIVED = "message.received"

# What an event says about the number in ``data.number`` (InboundEvent.number_event).
NUMBER_EVENTS = {"number.suspended": NUMBER_BLOCKED, "number.released": NUMBER_RELEASED}


class WebhookError(ValueError):
    """A webhook body that is not a DIDfarm event."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str
    type: str  # "number.activated"
    data: Mapping[str, Any] = field(default_factory=dict)
    timestamp: datetime | None = None

    @property
    def known(self) -> bool:
        return self.type in EVENTS


def sign(secret: str, raw_body: bytes) -> str:
    """The signature DIDfarm sends for ``raw_body`` (hex, lower case)."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify(secret: str, raw_body: bytes, header: str) -> bool:
    """Whether ``header`` (the ``X-DIDfarm-Signature`` value) signs ``raw_body`` with ``secret``."""
    if not secret or not header:
        return False
    value = header.strip()
    if value[:7].lower() == "sha256=":
        value = value[7:].strip()
    expected = sign(secret, raw_body).encode()
    # compare_digest on bytes: constant time, and no TypeError on non-ASCII header junk.
    return hmac.compare_digest(expected, value.lower().encode("utf-8", "replace"))


def parse_event(raw_body: bytes) -> WebhookEvent:
    """The event in a webhook body; ``WebhookError`` when it is not one."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookError(f"DIDfarm webhook body is not JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise WebhookError("DIDfarm webhook body is not an object")
    kind = payload.get("event")
    if not isinstance(kind, str) or not kind.strip():
        raise WebhookError("DIDfarm webhook has no event type")
    data = payload.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WebhookError("DIDfarm webhook data is not an object")
    raw_id = payload.get("id")
    if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) and str(raw_id).strip():
        event_id = str(raw_id).strip()
    else:
        event_id = "sha256:" + hashlib.sha256(raw_body).hexdigest()
    return WebhookEvent(
        id=event_id, type=kind.strip(), data=data, timestamp=_timestamp(payload.get("timestamp"))
    )


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def event_parse(raw_body: bytes) -> InboundEvent:
    """The webhook endpoint's event from a raw body (after the signature was checked)."""
    try:
        parsed = parse_event(raw_body)
    except RecursionError as exc:  # json gives up on very deep nesting this way
        raise MalformedEvent("the webhook body is nested too deeply") from exc
    except WebhookError as exc:
        raise MalformedEvent(str(exc)) from exc
    payload = json.loads(raw_body)  # an object: parse_event checked it
    storable(payload)
    if len(parsed.id) > 200 or len(parsed.type) > 60:
        raise MalformedEvent("the webhook's id or event type is too long")
    raw_time = payload.get("timestamp")
    if raw_time is not None and parsed.timestamp is None:
        raise MalformedEvent("the webhook timestamp is not an ISO 8601 time")
    data = parsed.data
    metadata = data.get("metadata")
    reference = metadata.get("reference") if isinstance(metadata, dict) else None
    message = _message(parsed) if parsed.type == MESSAGE_RECEIVED else None
    return InboundEvent(
        message=message,
        event_id=parsed.id,
        kind=parsed.type,
        payload=payload,
        our_reference=reference.strip()[:40] if isinstance(reference, str) else "",
        external_order_id=scalar(data.get("order_id")),
        number=e164(data.get("number")),
        timestamp=parsed.timestamp,
        number_event=NUMBER_EVENTS.get(parsed.type, ""),
    )


MESSAGE_BODY_LIMIT = 10_000  # characters kept of an inbound text (concatenated SMS are ~1,600)


def _message(event: WebhookEvent) -> InboundMessage:
    data = event.data
    number = e164(_first(data, "number", "to"))
    sender_raw = _first(data, "from", "sender")
    body = _first(data, "body", "text", "message")
    if not number:
        raise MalformedEvent("message.received without our number (data.number)")
    if not isinstance(sender_raw, str) or not sender_raw.strip():
        raise MalformedEvent("message.received without a sender (data.from)")
    if not isinstance(body, str):
        raise MalformedEvent("message.received without a text (data.body)")
    sender = e164(sender_raw) or sender_raw.strip()[:40]  # alphanumeric senders exist
    message_id = scalar(_first(data, "message_id", "id")) or event.id
    return InboundMessage(
        number=number, sender=sender, body=body[:MESSAGE_BODY_LIMIT], message_id=message_id[:200]
    )


def _first(data: Mapping[str, Any], *names: str) -> Any:
    return next((data[name] for name in names if data.get(name) not in (None, "")), None)


class DidfarmWebhookReceiver:
    methods = frozenset({"POST"})

    def verify(self, request: HttpRequest, *, account: ProviderAccount, url: str) -> bool:
        secret = account.webhook_secret if isinstance(account.webhook_secret, str) else ""
        header = request.headers.get(SIGNATURE_HEADER, "")
        return bool(header) and verify(secret, request.body, header)

    def parse(self, request: HttpRequest) -> InboundEvent:
        return event_parse(request.body)


RECEIVER = DidfarmWebhookReceiver()
