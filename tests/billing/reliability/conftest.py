"""Helpers shared by the reliability tests: funding wallets, buying, and the ledger's invariants
checked from the rows themselves (never from the services' own bookkeeping)."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.db.models.functions import Coalesce

from billing import wallets
from billing.models import (
    AccountKind,
    CartItem,
    Hold,
    ItemState,
    LedgerAccount,
    Order,
    OrderItem,
    Posting,
)
from billing.pricing import PriceBook
from billing.provisioning import order_item_advance
from billing.services import cart_item_add
from billing.settlement import clearing_matches_holds
from customers.models import Membership
from inventory.models import Number

_keys = itertools.count(1)
PAST = "2000-01-01T00:00:00Z"


def fund(store: dict, *, client_minor: int = 0, reseller_minor: int = 0) -> None:
    """Record payments into the store's client wallet (by its reseller) and reseller wallet (by
    a platform admin)."""
    if client_minor:
        owner = Membership.objects.get(user=store["owner"])
        wallets.wallet_top_up(
            actor=store["owner"],
            membership=owner,
            wallet=wallets.wallet_of(store["client"]),
            amount_minor=client_minor,
            method="bank_transfer",
            reference=f"C-{next(_keys)}",
            idempotency_key=f"fund-client-{next(_keys)}",
        )
    if reseller_minor:
        admin, _created = get_user_model().objects.get_or_create(
            email="platform-admin@example.com", defaults={"is_staff": True}
        )
        wallets.wallet_top_up(
            actor=admin,
            membership=None,
            wallet=wallets.wallet_of(store["reseller"]),
            amount_minor=reseller_minor,
            method="bank_transfer",
            reference=f"R-{next(_keys)}",
            idempotency_key=f"fund-reseller-{next(_keys)}",
        )


def cart_add(store: dict, group, *, quantity: int = 1, numbers=()) -> CartItem:
    client = store["client"]
    return cart_item_add(
        client=client,
        group=group,
        sku=group.skus.filter(retired_at__isnull=True).first(),
        quantity=quantity,
        billing_cycle="monthly",
        numbers=list(numbers),
        book=PriceBook(reseller=client.reseller, client=client),
    )


def drive(item_id: int, *, steps: int = 40) -> OrderItem:
    """Advance one item as a sweeper would, with time pushed forward between steps, until it
    leaves the active states (or ``steps`` runs out)."""
    item = OrderItem.objects.get(pk=item_id)
    for _step in range(steps):
        if item.state not in ACTIVE:
            break
        OrderItem.objects.filter(pk=item_id).update(next_check_at=PAST, lease_until=None)
        order_item_advance(item_id=item_id)
        item.refresh_from_db()
    return item


ACTIVE = (
    ItemState.PLACED,
    ItemState.SUBMITTING,
    ItemState.PENDING_UPSTREAM,
    ItemState.BACKORDERED,
)


def sum_postings(**filters) -> int:
    return Posting.objects.filter(**filters).aggregate(t=Coalesce(Sum("amount_minor"), 0))["t"]


def assert_ledger_sound() -> None:
    """Every invariant of DESIGN.md §4 that the rows can show."""
    unbalanced = list(
        Posting.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
    )
    assert unbalanced == [], "transactions whose postings do not sum to zero"
    drift = [
        (a.key, a.balance_minor, a.posted)
        for a in LedgerAccount.objects.annotate(posted=Coalesce(Sum("postings__amount_minor"), 0))
        if a.balance_minor != a.posted
    ]
    assert drift == [], "accounts whose balance is not the sum of their postings"
    for currency in LedgerAccount.objects.values_list("currency", flat=True).distinct():
        total = LedgerAccount.objects.filter(currency=currency).aggregate(t=Sum("balance_minor"))
        assert total["t"] == 0, f"money created or lost in {currency}"
    for account in LedgerAccount.objects.filter(kind=AccountKind.CLEARING):
        assert clearing_matches_holds(account.currency), f"clearing {account.currency} != holds"
    for wallet in LedgerAccount.objects.filter(
        kind__in=(AccountKind.CLIENT_WALLET, AccountKind.RESELLER_WALLET)
    ):
        assert wallet.balance_minor >= -wallet.credit_limit_minor, wallet.key
    # No hold settled twice: what each order's transactions took out of clearing is exactly
    # what its settled holds held.
    for order in Order.objects.all():
        through_clearing = sum_postings(
            transaction__order=order, account__kind=AccountKind.CLEARING
        )
        still_open = Hold.objects.filter(item__order=order, status=Hold.Status.OPEN).aggregate(
            t=Coalesce(Sum("amount_minor"), 0)
        )["t"]
        assert through_clearing == still_open, f"order {order.reference} settled twice"


def assert_numbers_match(item: OrderItem) -> None:
    """The item's Number rows are exactly its delivered numbers, once each."""
    rows = list(Number.objects.filter(order_reference=item.reference).values_list("e164", flat=1))
    assert sorted(rows) == sorted(item.delivered_numbers)
    assert len(set(rows)) == len(rows)


@pytest.fixture
def no_provisioning(monkeypatch):
    """Checkout without provisioning: the test is about the money of the purchase."""
    monkeypatch.setattr("billing.tasks.enqueue_provisioning", lambda item_ids: None)
