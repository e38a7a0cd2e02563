"""Renewals at risk: PostgreSQL's one statement agrees with the client-by-client count on any
numbers and wallets, rounds each client's sums half to even, and stays within its tenant."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import ledger
from billing.models import LedgerAccount
from inventory.models import Number, NumberStatus
from reports.at_risk import renewals_at_risk, renewals_at_risk_counted
from tests.billing.renewals.helpers import make_number, tenants
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
ANCHOR = dt.date(2026, 11, 20)
LINES = itertools.count()  # the examples share one transaction: numbers must stay distinct


def number_at(client, *, price: D, status=NumberStatus.ACTIVE, due_in_hours=24, **fields):
    number = make_number(client, anchor=ANCHOR, e164=f"+1646555{next(LINES):04d}")
    Number.objects.filter(pk=number.pk).update(
        retail_period=price,
        status=status,
        renewal_due_at=NOW + dt.timedelta(hours=due_in_hours),
        **fields,
    )
    return number


def funds(client, balance: int, limit: int = 0) -> None:
    wallet = ledger.client_wallet(client)
    LedgerAccount.objects.filter(pk=wallet.pk).update(
        balance_minor=balance, credit_limit_minor=limit
    )


def test_each_clients_sums_round_half_to_even_before_the_wallet_is_asked():
    reseller, first, _owner = tenants()
    second, third = ClientFactory(reseller=reseller), ClientFactory(reseller=reseller)
    # Owed periods count whatever the wallet: 0.125 → 12 cents, 0.135 → 14 cents.
    number_at(first, price=D("0.1000"), status=NumberStatus.GRACE)
    number_at(first, price=D("0.0250"), status=NumberStatus.SUSPENDED)
    number_at(second, price=D("0.1350"), status=NumberStatus.GRACE)
    # Due soon: 5.005 → 500 cents, covered by exactly 500; 5.015 → 502, not covered by 501.
    number_at(first, price=D("5.0050"))
    funds(first, 500)
    number_at(third, price=D("2.0150"))
    number_at(third, price=D("3.0000"))
    funds(third, 401, limit=100)

    expected = (3 + 2, 12 + 14 + 502)
    assert renewals_at_risk(reseller, NOW) == expected
    assert renewals_at_risk_counted(reseller, NOW) == expected
    assert renewals_at_risk(reseller, NOW, third.pk) == (2, 502)
    assert renewals_at_risk(reseller, NOW, first.pk) == (2, 12)


def test_only_what_falls_due_within_30_days_and_renews_is_at_risk():
    reseller, client, _owner = tenants()
    other, other_client, _ = tenants()
    number_at(client, price=D("1.00"), due_in_hours=30 * 24)  # the last moment in
    number_at(client, price=D("2.00"), due_in_hours=30 * 24 + 1)  # too late
    number_at(client, price=D("4.00"), due_in_hours=-1)  # already due: the job's, not at risk
    number_at(client, price=D("8.00"), auto_renew=False)
    number_at(client, price=D("16.00"), provider_blocked=True)
    number_at(client, price=D("32.00"), status=NumberStatus.CANCEL_SCHEDULED)
    # The new price applies to the next period when it starts by then.
    number_at(
        client,
        price=D("64.00"),
        retail_period_next=D("0.50"),
        retail_period_next_from=ANCHOR,
    )
    number_at(other_client, price=D("128.00"), status=NumberStatus.GRACE)  # another tenant

    assert renewals_at_risk(reseller, NOW) == (2, 150)
    assert renewals_at_risk_counted(reseller, NOW) == (2, 150)
    assert renewals_at_risk(other, NOW) == (1, 12_800)


numbers = st.lists(
    st.fixed_dictionaries(
        {
            "client": st.integers(0, 2),
            "price": st.integers(0, 60_000).map(lambda n: D(n) / 10_000),
            "status": st.sampled_from(
                [NumberStatus.ACTIVE, NumberStatus.GRACE, NumberStatus.SUSPENDED]
            ),
            "due_in_hours": st.integers(-48, 35 * 24),
            "auto_renew": st.booleans(),
            "next_price": st.none() | st.integers(0, 60_000).map(lambda n: D(n) / 10_000),
            "next_from_days": st.integers(-40, 40),
        }
    ),
    max_size=15,
)
wallets = st.lists(
    st.tuples(st.integers(-500, 3_000), st.integers(0, 1_000)), min_size=3, max_size=3
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(numbers, wallets)
def test_the_statement_agrees_with_counting_client_by_client(specs, purses):
    reseller, first, _owner = tenants()
    clients = [first, ClientFactory(reseller=reseller), ClientFactory(reseller=reseller)]
    for client, (balance, limit) in zip(clients, purses, strict=True):
        funds(client, max(balance, -limit), limit)
    for spec in specs:
        number = number_at(
            clients[spec["client"]],
            price=spec["price"],
            status=spec["status"],
            due_in_hours=spec["due_in_hours"],
            auto_renew=spec["auto_renew"],
        )
        if spec["next_price"] is not None:
            Number.objects.filter(pk=number.pk).update(
                retail_period_next=spec["next_price"],
                retail_period_next_from=number.next_period_start
                + dt.timedelta(days=spec["next_from_days"]),
            )

    assert renewals_at_risk(reseller, NOW) == renewals_at_risk_counted(reseller, NOW)
    for client in clients:
        assert renewals_at_risk(reseller, NOW, client.pk) == renewals_at_risk_counted(
            reseller, NOW, client.pk
        )
