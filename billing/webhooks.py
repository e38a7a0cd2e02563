"""Provider callbacks and webhooks: parsed at the boundary, stored once, acted on by a poke.

An event never moves an order by itself. It marks the item due now (``order_item_check_soon``);
the provisioning task then asks the provider (``get_order``) and moves the item forward only. So
an event out of order, or a payload that says something untrue, can cost one status read at most.

Dedupe: ``UNIQUE(provider account, event id)``. DIDWW callbacks carry no event id: the order id
and status make one (the same callback, by GET or POST, is the same event). DIDfarm's documents
show none either: ``didfarm.webhooks.parse_event`` uses an ``id`` field when present, else the
SHA-256 of the raw body (a retried delivery repeats the body).

Timestamps: DIDWW sends none. DIDfarm's payload has ``timestamp`` inside the signed body; it is
checked against ``TIMESTAMP_PAST``/``TIMESTAMP_FUTURE``. DIDfarm retries a delivery for up to 24
hours with the same body, so the window must be wider than that or genuine retries are refused.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from inventory.models import ProviderAccount
from inventory.providers.didfarm import webhooks as didfarm_webhooks

from .models import OrderItem, ProviderEvent
from .provisioning import order_item_check_soon

logger = logging.getLogger("didhub.webhooks")

TIMESTAMP_PAST = timedelta(hours=25)  # DIDfarm retries for 24 hours; an hour of slack
TIMESTAMP_FUTURE = timedelta(minutes=5)  # clock skew
_MAX_DEPTH = 32  # nesting a payload may have before it is called malformed

_DIDWW_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,29}")
_E164 = re.compile(r"\+[1-9]\d{5,14}")


class MalformedEvent(ValueError):
    """A signed body that is not an event we can read (the view answers 400)."""


class StaleEvent(MalformedEvent):
    """A signed event whose timestamp lies outside the accepted window."""


@dataclass(frozen=True)
class InboundEvent:
    """One provider event, read from its wire form."""

    event_id: str
    kind: str  # "orders.completed", "number.activated"
    payload: Mapping[str, Any] = field(default_factory=dict)
    our_reference: str = ""  # OrderItem.reference, when the provider echoes it
    external_order_id: str = ""  # OrderItem.external_id
    number: str = ""  # E.164
    timestamp: datetime | None = None


# --- parsing (the boundary) --------------------------------------------------------------------


def didww_callback_parse(params: Iterable[tuple[str, list[str]]]) -> InboundEvent:
    """A DIDWW order callback from its parameters (``QueryDict.lists()``)."""
    values: dict[str, str] = {}
    for name, items in params:
        if len(items) != 1:
            raise MalformedEvent(f"parameter {name!r} is given {len(items)} times")
        values[name] = items[0]
    _storable(values)
    order_id = values.get("id", "").strip()
    kind = values.get("type", "").strip().lower()
    status = values.get("status", "").strip().lower()
    if not _DIDWW_ID.fullmatch(order_id):
        raise MalformedEvent("the callback has no valid order id")
    if not _WORD.fullmatch(kind) or not _WORD.fullmatch(status):
        raise MalformedEvent("the callback has no valid type or status")
    return InboundEvent(
        event_id=f"{kind}:{order_id}:{status}",
        kind=f"{kind}.{status}",
        payload=values,
        external_order_id=order_id if kind == "orders" else "",
    )


def didfarm_event_parse(raw_body: bytes) -> InboundEvent:
    """A DIDfarm webhook from its raw body (after the signature was checked)."""
    try:
        parsed = didfarm_webhooks.parse_event(raw_body)
    except RecursionError as exc:  # json gives up on very deep nesting this way
        raise MalformedEvent("the webhook body is nested too deeply") from exc
    except didfarm_webhooks.WebhookError as exc:
        raise MalformedEvent(str(exc)) from exc
    payload = json.loads(raw_body)  # an object: parse_event checked it
    _storable(payload)
    if len(parsed.id) > 200 or len(parsed.type) > 60:
        raise MalformedEvent("the webhook's id or event type is too long")
    raw_time = payload.get("timestamp")
    if raw_time is not None and parsed.timestamp is None:
        raise MalformedEvent("the webhook timestamp is not an ISO 8601 time")
    data = parsed.data
    metadata = data.get("metadata")
    reference = metadata.get("reference") if isinstance(metadata, dict) else None
    order_id = data.get("order_id")
    return InboundEvent(
        event_id=parsed.id,
        kind=parsed.type,
        payload=payload,
        our_reference=reference.strip()[:40] if isinstance(reference, str) else "",
        external_order_id=_scalar(order_id),
        number=_e164(data.get("number")),
        timestamp=parsed.timestamp,
    )


def _scalar(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()[:200]


def _e164(value: object) -> str:
    """``"+31 20 123 4567"`` -> ``"+31201234567"``; anything else -> ``""`` (nothing to match)."""
    if not isinstance(value, str):
        return ""
    digits = re.sub(r"[\s().-]", "", value)
    if digits and not digits.startswith("+"):
        digits = "+" + digits
    return digits if _E164.fullmatch(digits) else ""


def _storable(value: object, depth: int = 0) -> None:
    """PostgreSQL's jsonb refuses NUL characters, lone surrogates and NaN: refuse them here, as a
    malformed body (400), rather than as a database error (500)."""
    if depth > _MAX_DEPTH:
        raise MalformedEvent("the body is nested too deeply")
    if isinstance(value, str):
        if "\x00" in value:
            raise MalformedEvent("the body contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedEvent("the body is not valid Unicode") from exc
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MalformedEvent("the body contains NaN or Infinity")
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key, depth + 1)
            _storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable(item, depth + 1)


# --- the service ----------------------------------------------------------------------------------


def provider_event_receive(
    *, account: ProviderAccount, event: InboundEvent, now: datetime | None = None
) -> tuple[ProviderEvent, bool]:
    """Store ``event`` once and poke the order item it is about. Returns (event, created);
    a replay returns the stored event and changes nothing. ``StaleEvent`` when a first delivery's
    timestamp is outside the window (a replay of a stored event is still acknowledged)."""
    stored = ProviderEvent.objects.filter(provider_account=account, event_id=event.event_id).first()
    if stored is not None:
        logger.info("provider event %s on %s: replay, ignored", event.event_id, account.name)
        return stored, False
    _check_fresh(event.timestamp, now or timezone.now())
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = ProviderEvent.objects.create(
                    provider_account=account,
                    event_id=event.event_id,
                    kind=event.kind[:60],
                    payload=dict(event.payload),
                )
        except IntegrityError:
            # The same event delivered twice at once: the other delivery stored it first.
            stored = ProviderEvent.objects.filter(
                provider_account=account, event_id=event.event_id
            ).first()
            if stored is None:
                raise
            return stored, False
        item = _item_for(account, event)
        stored.item = item
        stored.outcome = _act(item, event)[:200]
        stored.save(update_fields=["item", "outcome"])
    logger.info(
        "provider event %s (%s) on %s for order item %s: %s",
        event.event_id,
        event.kind,
        account.name,
        item.reference if item else "-",
        stored.outcome,
    )
    return stored, True


def _check_fresh(timestamp: datetime | None, now: datetime) -> None:
    if timestamp is None:
        return
    if timezone.is_naive(timestamp):
        timestamp = timestamp.replace(tzinfo=UTC)
    if timestamp < now - TIMESTAMP_PAST or timestamp > now + TIMESTAMP_FUTURE:
        raise StaleEvent(f"the event's timestamp {timestamp.isoformat()} is outside the window")


def _item_for(account: ProviderAccount, event: InboundEvent) -> OrderItem | None:
    """The item the event is about, among this account's items only."""
    items = OrderItem.objects.filter(provider_account=account).order_by("-pk")
    if event.our_reference:
        found = items.filter(reference=event.our_reference).first()
        if found is not None:
            return found
    if event.external_order_id:
        found = items.filter(external_id=event.external_order_id).first()
        if found is not None:
            return found
    if event.number:
        return _item_delivering(items, event.number)
    return None


def _item_delivering(items, number: str) -> OrderItem | None:
    """The newest of ``items`` that delivered ``number``."""
    if connection.features.supports_json_field_contains:
        return items.filter(delivered_numbers__contains=[number]).first()
    # SQLite (the demo) cannot look inside a JSON list: narrow by the list's text, then check.
    as_text = items.annotate(numbers_text=Cast("delivered_numbers", TextField()))
    candidates = as_text.filter(numbers_text__contains=f'"{number}"')
    return next((item for item in candidates if number in item.delivered_numbers), None)


def _act(item: OrderItem | None, event: InboundEvent) -> str:
    if item is None:
        if event.our_reference or event.external_order_id or event.number:
            about = event.our_reference or event.external_order_id or event.number
            return f"no order item of ours matches {about}: acknowledged"
        return "not about an order: acknowledged"
    if order_item_check_soon(item_id=item.pk):
        return f"{item.reference}: checking with the provider now"
    return f"{item.reference}: {item.state}, nothing to do"
