"""Two renewal jobs at once, and the same job twice, over many due numbers (real PostgreSQL,
threads with their own connections): every period is charged exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from billing.models import LedgerTransaction, RenewalCharge, TransactionKind
from billing.renewals.charging import renewals_run
from inventory.models import Number
from tests.billing.reliability.conftest import assert_ledger_sound
from tests.billing.reliability.test_concurrency import run_together

from .helpers import at, balance, make_number, tenants, top_up

pytestmark = pytest.mark.django_db(transaction=True)
d = dt.date
NUMBERS = 1_000


def test_two_jobs_at_once_then_again_charge_each_period_once():
    reseller, client, _ = tenants()
    _poor_reseller, poor_client, _ = tenants()
    top_up(client, 10_000_000)
    top_up(reseller, 10_000_000)
    top_up(poor_client, 10_000_000)  # its reseller has nothing: nobody is charged
    for i in range(NUMBERS):
        owner = poor_client if i % 10 == 0 else client
        make_number(owner, anchor=d(2027, 1, 15), e164=f"+1212{i:07d}")
    now = at(d(2027, 2, 15))
    results = run_together(2, lambda i: renewals_run(now=now, batch_size=100))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    charged = sum(result.charged for _, result in results)
    assert charged == NUMBERS - NUMBERS // 10
    assert renewals_run(now=now).charged == 0
    assert (
        not RenewalCharge.objects.values("number", "period_start")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert LedgerTransaction.objects.filter(kind=TransactionKind.RENEWAL).count() == charged
    assert balance(client) == 10_000_000 - 500 * charged
    assert balance(poor_client) == 10_000_000
    assert Number.objects.filter(client=poor_client, status="grace").count() == NUMBERS // 10
    assert_ledger_sound()
