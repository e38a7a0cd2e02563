"""Reads of orders and owned numbers, always scoped to the person asking (DESIGN.md §6)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from customers.models import Membership
from inventory.models import Number, NumberStatus

from .models import Order


def orders_for(*, actor: Membership, client_id: int | None = None) -> QuerySet[Order]:
    if actor.is_client:
        orders = Order.objects.filter(client_id=actor.client_id)
    elif actor.is_reseller:
        orders = Order.objects.filter(reseller_id=actor.reseller_id)
        if client_id:
            orders = orders.filter(client_id=client_id)
    else:
        return Order.objects.none()
    return orders.select_related("client", "placed_by")


def order_get(*, actor: Membership, reference: str) -> Order:
    order = orders_for(actor=actor).filter(reference=reference).first()
    if order is None:
        raise Http404
    return order


def order_items(order: Order):
    return order.items.select_related("group__country").order_by("id")


def numbers_for(
    *, actor: Membership, client_id: int | None = None, search: str = ""
) -> QuerySet[Number]:
    if actor.is_client:
        numbers = Number.objects.filter(client_id=actor.client_id)
    elif actor.is_reseller:
        numbers = Number.objects.filter(reseller_id=actor.reseller_id)
        if client_id:
            numbers = numbers.filter(client_id=client_id)
    else:
        return Number.objects.none()
    numbers = numbers.exclude(status=NumberStatus.RELEASED)
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        numbers = numbers.filter(e164__contains=digits) if digits else numbers.none()
    return numbers.select_related("client").order_by("e164")
