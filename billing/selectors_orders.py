"""Reads of orders and owned numbers, always scoped to the person asking (DESIGN.md §6).

An order's money is read from its holds, not from its checkout totals: what was captured is
what delivered numbers cost, what was released went back to the wallets. A margin is the
captured retail less the captured wholesale, so a refunded or undelivered number adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from customers.models import Client, Membership
from inventory.models import Number, NumberStatus

from .models import (
    ACTIVE_STATES,
    WAITING_STATES,
    AccountKind,
    Hold,
    ItemState,
    Order,
    OrderItem,
    OrderStatus,
    Posting,
)
from .selectors_wallets import Money, WalletSummary, reseller_own_wallet, wallet_summary

MARGIN_DAYS = 30

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


def _hold_sum(wallet_kind: str, field) -> Coalesce:
    per_order = (
        Hold.objects.filter(item__order=OuterRef("pk"), wallet__kind=wallet_kind)
        .order_by()
        .values("item__order")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(per_order), Value(0))


# The captured share of the tax added on top (exact: the tax was added per number, and the
# captured amount is a whole number of numbers' worth).
_TAX_CAPTURED = F("tax_minor") * F("captured_minor") / F("amount_minor")


def with_settlement(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Annotate what each order really charged, in its currency's minor units:
    ``retail_charged_minor`` (the client, delivered numbers only), ``retail_refunded_minor``,
    ``wholesale_charged_minor`` (the reseller's cost of what was delivered) and
    ``margin_minor`` (their difference: net of refunds and of tax added on top; nothing while a
    number is on hold). Charged amounts include the tax added on top: what the wallets paid."""
    return orders.annotate(
        retail_charged_minor=_hold_sum(AccountKind.CLIENT_WALLET, "captured_minor"),
        retail_refunded_minor=_hold_sum(AccountKind.CLIENT_WALLET, "released_minor"),
        wholesale_charged_minor=_hold_sum(AccountKind.RESELLER_WALLET, "captured_minor"),
        retail_tax_charged_minor=_hold_sum(AccountKind.CLIENT_WALLET, _TAX_CAPTURED),
        wholesale_tax_charged_minor=_hold_sum(AccountKind.RESELLER_WALLET, _TAX_CAPTURED),
    ).annotate(
        # Net of the tax added on top on either side: tax is owed onwards, not earned.
        margin_minor=F("retail_charged_minor")
        - F("retail_tax_charged_minor")
        - F("wholesale_charged_minor")
        + F("wholesale_tax_charged_minor")
    )


def platform_margin_by_currency(order: Order) -> list[tuple[str, int]]:
    """For admins: what the platform kept from ``order`` (wholesale captured less the
    provider's cost of the delivered numbers), per currency (the cost may be in another)."""
    rows = (
        Posting.objects.filter(transaction__order=order, account__kind=AccountKind.PLATFORM_REVENUE)
        .order_by("currency")
        .values("currency")
        .annotate(total=Sum("amount_minor"))
    )
    return [(row["currency"], row["total"]) for row in rows if row["total"]]


def orders_for(*, actor: Membership, client_id: int | None = None) -> QuerySet[Order]:
    orders = _scoped(Order.objects.all(), actor, client_id).select_related("client", "placed_by")
    return with_settlement(orders)


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
    # Back-orders and dead letters are explained under their item (billing.explanations), with
    # what happens next; the order-level notice is for items that should have been live by now.
    return "slow" if item.overdue and item.state in QUICK_STATES else ""


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
    return numbers.select_related("client", "reseller").order_by("e164")


# --- the reseller's dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResellerFigures:
    client_count: int
    active_client_count: int
    numbers_in_service: int
    numbers_awaiting_documents: int
    orders_in_flight: int
    margin_recent: Money  # net of refunds, over the last MARGIN_DAYS days
    margin_days: int
    wallet: WalletSummary  # the reseller's own wallet with the platform


def reseller_figures(*, actor: Membership, now: dt.datetime | None = None) -> ResellerFigures:
    """Every figure of the reseller's dashboard, each counted from its rows."""
    if not actor.is_reseller:
        raise Http404
    reseller = actor.reseller
    clients = Client.objects.filter(reseller=reseller)
    numbers = Number.objects.filter(reseller=reseller)
    since = (now or timezone.now()) - dt.timedelta(days=MARGIN_DAYS)
    recent = Hold.objects.filter(
        item__order__reseller=reseller,
        item__order__currency=reseller.currency,
        status=Hold.Status.SETTLED,
        settled_at__gte=since,
    )
    retail = recent.filter(wallet__kind=AccountKind.CLIENT_WALLET).aggregate(
        total=Coalesce(Sum("captured_minor"), 0)
    )["total"]
    wholesale = recent.filter(wallet__kind=AccountKind.RESELLER_WALLET).aggregate(
        total=Coalesce(Sum("captured_minor"), 0)
    )["total"]
    return ResellerFigures(
        client_count=clients.count(),
        active_client_count=clients.filter(status=Client.Status.ACTIVE).count(),
        numbers_in_service=numbers.filter(status=NumberStatus.ACTIVE).count(),
        numbers_awaiting_documents=numbers.filter(status=NumberStatus.AWAITING_DOCUMENTS).count(),
        orders_in_flight=Order.objects.filter(
            reseller=reseller, status=OrderStatus.PROCESSING
        ).count(),
        margin_recent=Money(retail - wholesale, reseller.currency),
        margin_days=MARGIN_DAYS,
        wallet=wallet_summary(wallet=reseller_own_wallet(actor=actor)),
    )
