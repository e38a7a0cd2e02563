"""Provider callbacks and webhooks: stored once, acted on by a poke.

The provider's package checks and reads the request (its ``WebhookReceiver``, see
``inventory/providers/webhooks.py``); here an ``InboundEvent`` is stored and the order item (or
number) it concerns is found.

An event never moves an order by itself. It marks the item due now (``order_item_check_soon``);
the provisioning task then asks the provider (``get_order``) and moves the item forward only. So
an event out of order, or a payload that says something untrue, can cost one status read at most.
A number event (``number_event``) that says the provider blocked a number we hold sets the
number's provider block; one that says it released a number the client still holds alerts the
admins; neither touches money.

Dedupe: ``UNIQUE(provider account, event id)``; each receiver says how its provider's events get
an id (DIDWW: order id and status; DIDfarm: an ``id`` field, else the SHA-256 of the raw body).

Timestamps: DIDWW sends none. DIDfarm's payload has ``timestamp`` inside the signed body; it is
checked against ``TIMESTAMP_PAST``/``TIMESTAMP_FUTURE``. DIDfarm retries a delivery for up to 24
hours with the same body, so the window must be wider than that or genuine retries are refused.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from inventory.models import Number, ProviderAccount
from inventory.models_numbers import NumberStatus
from inventory.numbers import number_provider_block_set, number_provider_released_report
from inventory.providers.webhooks import (
    NUMBER_BLOCKED,
    NUMBER_RELEASED,
    InboundEvent,
    MalformedEvent,
    StaleEvent,
)

from .models import OrderItem, ProviderEvent
from .provisioning import order_item_check_soon

__all__ = ["InboundEvent", "MalformedEvent", "StaleEvent", "provider_event_receive"]

logger = logging.getLogger("didhub.webhooks")

TIMESTAMP_PAST = timedelta(hours=25)  # DIDfarm retries for 24 hours; an hour of slack
TIMESTAMP_FUTURE = timedelta(minutes=5)  # clock skew


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
        outcome = _act(item, event)
        if event.number_event:
            outcome = f"{_number_act(account, event)}; {outcome}"
        stored.outcome = outcome[:200]
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


def _number_act(account: ProviderAccount, event: InboundEvent) -> str:
    """What a number event changes on the number it names (this account's only)."""
    number = (
        Number.objects.filter(provider_account=account, e164=event.number)
        .exclude(status=NumberStatus.RELEASED)
        .only("pk", "status")
        .first()
        if event.number
        else None
    )
    if number is None:
        return f"no number of ours matches {event.number or 'the event'}"
    detail = f"{account.name} event {event.kind} ({event.event_id})"
    if event.number_event == NUMBER_BLOCKED:
        changed = number_provider_block_set(number_id=number.pk, blocked=True, detail=detail)
        return f"{event.number} blocked by the provider" + ("" if changed else " (already)")
    if event.number_event == NUMBER_RELEASED:
        if number_provider_released_report(number_id=number.pk, detail=detail):
            return f"{event.number} released upstream while held here: admins alerted"
        return f"{event.number} released upstream ({number.status} here)"
    return f"{event.number}: {event.number_event} not acted on"
