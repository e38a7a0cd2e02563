"""A run costs a fixed number of queries, whatever the account's size (bulk reads and writes)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.reconcile.models import ReconcileFinding
from billing.reconcile.services import reconcile_account
from inventory.models import Number, NumberStatus
from tests.factories import ClientFactory

from .support import make_account, plant

pytestmark = pytest.mark.django_db


def _account_with(kind: str, name: str, count: int, *, missing_every: int = 10):
    """``count`` numbers upstream and here; every ``missing_every``-th of ours is not upstream
    and as many upstream are nobody's here, so every run has findings to open or refresh."""
    account = make_account(kind, name)
    client = ClientFactory()
    today = timezone.now().date()
    rows = []
    for i in range(count):
        e164 = f"+1212{i:07d}"
        if i % missing_every:
            plant(account, e164)
        else:
            plant(account, f"+1213{i:07d}")  # an orphan instead
        rows.append(
            Number(
                e164=e164, client=client, reseller=client.reseller, provider_account=account,
                order_reference="DH-SCALE-1", billing_cycle="monthly", currency="USD",
                retail_setup=0, retail_period=Decimal("5"), wholesale_setup=0,
                wholesale_period=Decimal("3"), cost_setup=0, cost_monthly=Decimal("1"),
                cost_currency="USD", status=NumberStatus.ACTIVE, activated_at=timezone.now(),
                paid_until=today, renewal_anchor=today, next_period_start=today,
                provider_blocked=not i % missing_every,  # already blocked: steady state
            )
        )  # fmt: skip
    Number.objects.bulk_create(rows, batch_size=2000)
    return account


def _queries(account) -> int:
    with CaptureQueriesContext(connection) as captured:
        reconcile_account(account=account)
    return len(captured)


def test_queries_do_not_grow_with_numbers():
    small = _account_with("didww", "didww-small", 100)
    large = _account_with("didww", "didww-large", 10_000)
    assert _queries(small) == _queries(large)  # first runs: findings opened in bulk
    started = time.perf_counter()
    assert _queries(small) == _queries(large)  # second runs: findings refreshed in bulk
    elapsed = time.perf_counter() - started
    assert ReconcileFinding.objects.filter(provider_account=large, closed_at=None).count() == 2000
    print(f"\nreconcile, second runs of 100 + 10,000 numbers: {elapsed:.2f}s")
