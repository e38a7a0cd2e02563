"""Reads of orders and owned numbers, always scoped to the person asking (DESIGN.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from customers.models import Membership
from inventory.models import Number, NumberStatus

from .models import ItemState, Order, OrderItem

# How long an item may take, counted from when the order was placed, before it is later than
# expected. Most orders are live in seconds (DIDfarm promises 60 s); a back-order waits for the
# provider's stock. Settings of the same name override them.
ORDER_ITEM_EXPECTED_SECONDS = 60
ORDER_BACKORDER_EXPECTED_DAYS = 7
QUICK_STATES = (ItemState.PLACED, ItemState.SUBMITTING, ItemState.PENDING_UPSTREAM)
# The order page polls every 2 s while an order moves; a delayed one changes slowly.
POLL_SECONDS = 2
DELAYED_POLL_SECONDS = 10


def expected_wait(state: str) -> timedelta | None:
    """How long an item in ``state`` is expected to take; None: not waiting for anything."""
    if state in QUICK_STATES:
        seconds = getattr(settings, "ORDER_ITEM_EXPECTED_SECONDS", ORDER_ITEM_EXPECTED_SECONDS)
        return timedelta(seconds=seconds)
    if state == ItemState.BACKORDERED:
        days = getattr(settings, "ORDER_BACKORDER_EXPECTED_DAYS", ORDER_BACKORDER_EXPECTED_DAYS)
        return timedelta(days=days)
    return None


def item_overdue(*, state: str, placed_at: datetime, now: datetime) -> bool:
    """In flight for longer than its state is expected to take (``overdue_items_q`` in SQL)."""
    wait = expected_wait(state)
    return wait is not None and now - placed_at > wait


def overdue_items_q(*, now: datetime) -> Q:
    """The order items ``item_overdue`` is true of, as a filter on ``OrderItem``."""
    overdue = Q(pk__in=[])
    for state in (*QUICK_STATES, ItemState.BACKORDERED):
        wait = expected_wait(state)
        overdue |= Q(state=state, order__created_at__lt=now - wait)
    return overdue


def _scoped(rows: QuerySet, actor: Membership, client_id: int | None) -> QuerySet:
    """A client's own rows; a reseller's clients' rows (one client's, when asked); else none."""
    if actor.is_client:
        return rows.filter(client_id=actor.client_id)
    if actor.is_reseller:
        rows = rows.filter(reseller_id=actor.reseller_id)
        return rows.filter(client_id=client_id) if client_id else rows
    return rows.none()


def orders_for(*, actor: Membership, client_id: int | None = None) -> QuerySet[Order]:
    return _scoped(Order.objects.all(), actor, client_id).select_related("client", "placed_by")


def order_get(*, actor: Membership, reference: str) -> Order:
    order = orders_for(actor=actor).filter(reference=reference).first()
    if order is None:
        raise Http404
    return order


@dataclass(frozen=True)
class Delay:
    """Why some of an order's items are not live yet, for the notice on the order page:
    ``kind`` is "slow" (still moving, later than expected), "backordered" or "dead_letter"."""

    kind: str
    state: str
    items: tuple[str, ...]  # their descriptions


@dataclass(frozen=True)
class OrderProgress:
    items: list[OrderItem]
    delays: list[Delay]
    poll_seconds: int


def _delay_kind(item: OrderItem) -> str:
    if item.state == ItemState.DEAD_LETTER:
        return "dead_letter"
    if item.state == ItemState.BACKORDERED:
        return "backordered"
    return "slow" if item.overdue else ""


def order_progress(order: Order, *, now: datetime | None = None) -> OrderProgress:
    """The order's items, each with ``overdue`` (in flight longer than expected), and what the
    client is told about the delayed ones: one notice per kind of delay and state."""
    now = now or timezone.now()
    items = list(order.items.order_by("id"))
    delays: dict[tuple[str, str], list[str]] = {}
    for item in items:
        item.overdue = item_overdue(state=item.state, placed_at=order.created_at, now=now)
        kind = _delay_kind(item)
        if kind:
            delays.setdefault((kind, item.state), []).append(item.description)
    return OrderProgress(
        items=items,
        delays=[Delay(kind, state, tuple(names)) for (kind, state), names in delays.items()],
        poll_seconds=DELAYED_POLL_SECONDS if delays else POLL_SECONDS,
    )


def numbers_for(
    *, actor: Membership, client_id: int | None = None, search: str = ""
) -> QuerySet[Number]:
    numbers = _scoped(Number.objects.all(), actor, client_id).exclude(status=NumberStatus.RELEASED)
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        numbers = numbers.filter(e164__contains=digits) if digits else numbers.none()
    return numbers.select_related("client").order_by("e164")
