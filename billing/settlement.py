"""Settling an order item once it has its outcome (DESIGN.md §4).

Delivered numbers are charged: their share of both holds moves from clearing to revenue (the
client's part to the reseller's revenue, the reseller's part to the platform's), and the
provider's cost is booked as owed to the provider. The undelivered share goes back to the wallets.
Each hold settles exactly once (``Hold.status``), inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import ngettext

from inventory.models import Number, NumberStatus

from . import ledger
from .models import (
    CYCLE_MONTHS,
    FINAL_STATES,
    AccountKind,
    Hold,
    ItemState,
    Order,
    OrderItem,
    OrderStatus,
    TransactionKind,
)
from .money import round_even, to_minor
from .renewals.schedule import local_date, local_midnight, period_start


def item_settle(item: OrderItem, delivered: list[str]) -> None:
    """Charge ``delivered`` numbers of ``item`` and refund the rest (caller holds the row)."""
    count = min(len(delivered), item.quantity)
    order = item.order
    currency = order.currency
    holds = list(
        Hold.objects.select_for_update()
        .filter(item=item, status=Hold.Status.OPEN)
        .select_related("wallet")
    )
    if not holds:
        return  # settled already (or nothing was held: a free number)
    clearing = ledger.platform_account(AccountKind.CLEARING, currency)
    capture: list[tuple[ledger.LedgerAccount, int]] = []
    refund: list[tuple[ledger.LedgerAccount, int]] = []
    for hold in holds:
        captured = hold.amount_minor * count // item.quantity
        released = hold.amount_minor - captured
        # The tax was added per number: the delivered numbers' share of it is exact.
        tax = hold.tax_minor * count // item.quantity
        if hold.wallet.kind == AccountKind.CLIENT_WALLET:
            earner = ledger.reseller_revenue(order.reseller, currency)
            issuer = order.reseller
        else:
            earner = ledger.platform_account(AccountKind.PLATFORM_REVENUE, currency)
            issuer = None
        if captured:
            capture += [(clearing, -captured), (earner, captured - tax)]
            if tax:
                capture.append((ledger.tax_payable(issuer, currency), tax))
        if released:
            refund += [(clearing, -released), (hold.wallet, released)]
        hold.captured_minor, hold.released_minor = captured, released
        hold.status, hold.settled_at = Hold.Status.SETTLED, timezone.now()
    scope = {"reseller_id": order.reseller_id, "client_id": order.client_id, "order": order}
    if capture:
        cost = _cost_minor(item) * count
        if cost:
            capture += [
                (ledger.platform_account(AccountKind.PLATFORM_REVENUE, item.cost_currency), -cost),
                (ledger.provider_payable(item.provider_account, item.cost_currency), cost),
            ]
        ledger.ledger_post(
            kind=TransactionKind.CAPTURE,
            entries=capture,
            memo=ngettext(
                "%(ref)s: %(n)d of %(q)d number delivered",
                "%(ref)s: %(n)d of %(q)d numbers delivered",
                item.quantity,
            )
            % {"ref": item.reference, "n": count, "q": item.quantity},
            **scope,
        )
    if refund:
        ledger.ledger_post(
            kind=TransactionKind.REFUND,
            entries=refund,
            memo=ngettext(
                "%(ref)s: refund for %(n)d undelivered number",
                "%(ref)s: refund for %(n)d undelivered numbers",
                item.quantity - count,
            )
            % {"ref": item.reference, "n": item.quantity - count},
            **scope,
        )
    Hold.objects.bulk_update(holds, ["captured_minor", "released_minor", "status", "settled_at"])


def _cost_minor(item: OrderItem) -> int:
    """What the provider charges per number for setup and the first period, in its minor units."""
    months = CYCLE_MONTHS[item.billing_cycle]
    cost = item.cost_setup + item.cost_monthly * months
    return to_minor(round_even(cost, item.cost_currency), item.cost_currency)


def numbers_create(item: OrderItem, delivered: list[str]) -> None:
    """The client's numbers, from the day they are charged (regulated ones: once approved)."""
    now = timezone.now()
    order = item.order
    # The first period is paid by the order; renewals start at period 1 of the anchor, the
    # activation day in the reseller's time zone.
    anchor = local_date(now, order.reseller.time_zone)
    next_start = period_start(anchor, item.billing_cycle, 1)
    group = item.group
    existing = set(
        Number.objects.filter(provider_account=item.provider_account, e164__in=delivered)
        .exclude(status=NumberStatus.RELEASED)
        .values_list("e164", flat=True)
    )
    Number.objects.bulk_create(
        Number(
            e164=e164,
            client_id=order.client_id,
            reseller_id=order.reseller_id,
            provider_account_id=item.provider_account_id,
            group=group,
            sku_id=item.sku_id,
            description=item.description,
            number_type=group.number_type,
            order_reference=item.reference,
            billing_cycle=item.billing_cycle,
            currency=order.currency,
            retail_setup=item.retail_setup,
            retail_period=item.retail_period,
            wholesale_setup=item.wholesale_setup,
            wholesale_period=item.wholesale_period,
            cost_setup=item.cost_setup,
            cost_monthly=item.cost_monthly,
            cost_currency=item.cost_currency,
            status=NumberStatus.ACTIVE,
            activated_at=now,
            paid_until=next_start - dt.timedelta(days=1),
            renewal_anchor=anchor,
            renewal_period=1,
            next_period_start=next_start,
            renewal_due_at=local_midnight(next_start, order.reseller.time_zone),
        )
        for e164 in dict.fromkeys(delivered)
        if e164 not in existing
    )


def order_status_refresh(order: Order) -> bool:
    """Roll the items' states up into the order's; True when the order just finished."""
    states = list(order.items.values_list("state", flat=True))
    if any(state not in FINAL_STATES for state in states):
        return False
    if all(state == ItemState.FAILED for state in states):
        status = OrderStatus.FAILED
    elif all(state == ItemState.FULFILLED for state in states):
        status = OrderStatus.COMPLETED
    else:
        status = OrderStatus.PARTIAL
    if order.status == status:
        return False
    order.status, order.completed_at = status, timezone.now()
    order.save(update_fields=["status", "completed_at"])
    return True


def order_waits_on_client(order: Order) -> bool:
    """Nothing of the order is in progress any more but regulated numbers await documents."""
    states = set(order.items.values_list("state", flat=True))
    return ItemState.AWAITING_DOCUMENTS in states and states <= {
        ItemState.AWAITING_DOCUMENTS,
        *FINAL_STATES,
    }


def clearing_matches_holds(currency: str) -> bool:
    """Clearing holds exactly the open part of the open holds (an audit check)."""
    open_total = (
        Hold.objects.filter(status=Hold.Status.OPEN, item__order__currency=currency).aggregate(
            total=Sum("amount_minor")
        )["total"]
        or 0
    )
    return ledger.platform_account(AccountKind.CLEARING, currency).balance_minor == open_total
