"""Helpers shared by the reliability tests: funding wallets, buying, and the ledger's invariants
checked from the rows themselves (never from the services' own bookkeeping)."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.db.models.functions import Coalesce

from billing.models import (
    AccountKind,
    Hold,
    LedgerAccount,
    Order,
    OrderItem,
    Posting,
)
from billing.settlement import clearing_matches_holds
from inventory.models import Number


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
