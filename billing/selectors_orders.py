"""Reads of orders and owned numbers, always scoped to the person asking (DESIGN.md §6)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from customers.models import Membership
from inventory.models import Number, NumberStatus

from .models import ACTIVE_STATES, WAITING_STATES, ItemState, Order, OrderItem


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


def order_items(order: Order):
    return order.items.order_by("id")


def orders_progress(orders: list[Order]) -> tuple[bool, set[int]]:
    """For orders already read through ``orders_for``: whether any of their items is being
    provisioned right now (pages poll then), and which orders wait for the client's documents."""
    states = OrderItem.objects.filter(order__in=[o.pk for o in orders], state__in=ACTIVE_STATES)
    working = states.exclude(state__in=WAITING_STATES).exists()
    waiting = states.filter(state=ItemState.AWAITING_DOCUMENTS).values_list("order_id", flat=True)
    return working, set(waiting)


def numbers_for(
    *, actor: Membership, client_id: int | None = None, search: str = ""
) -> QuerySet[Number]:
    numbers = _scoped(Number.objects.all(), actor, client_id).exclude(status=NumberStatus.RELEASED)
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        numbers = numbers.filter(e164__contains=digits) if digits else numbers.none()
    return numbers.select_related("client").order_by("e164")
