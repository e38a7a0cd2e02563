"""Renewals at risk: PostgreSQL's one statement agrees with counting number by number in Python,
on any numbers, wallets and tax terms; rounds each client's sums half to even; asks the wallet
for the tax added on top; stays within its tenant."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import ledger
from billing.models import LedgerAccount
from customers.models import Client
from inventory.models import Number, NumberStatus
from reports.at_risk import client_tax_rates, renewals_at_risk, renewals_at_risk_counted
from tests.billing.invoices.helpers import issuer
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


def figures(reseller, client_id=None) -> tuple[int, int, int]:
    """(numbers, net minor, cash) both ways, which must agree."""
    fast = renewals_at_risk(reseller, NOW, client_id)
    counted = renewals_at_risk_counted(reseller, NOW, client_id)
    assert fast == counted
    return fast.numbers, fast.minor, fast.cash_minor


def test_each_clients_sums_round_half_to_even():
    reseller, first, _owner = tenants()
    second, third = ClientFactory(reseller=reseller), ClientFactory(reseller=reseller)
    fourth = ClientFactory(reseller=reseller)
    # Owed periods count whatever the wallet: 0.10 + 0.025 → 12 cents; 0.135 → 14.
    number_at(first, price=D("0.1000"), status=NumberStatus.GRACE)
    number_at(first, price=D("0.0250"), status=NumberStatus.SUSPENDED)
    number_at(second, price=D("0.1350"), status=NumberStatus.GRACE)
    # Two halves of a cent make one (summed, then rounded).
    number_at(fourth, price=D("0.0050"), status=NumberStatus.GRACE)
    number_at(fourth, price=D("0.0050"), status=NumberStatus.GRACE)
    # Due soon: 5.005 → 500 cents, covered by exactly 500; 2.015 + 3.00 → 502, not by 501.
    number_at(first, price=D("5.0050"))
    funds(first, 500)
    number_at(third, price=D("2.0150"))
    number_at(third, price=D("3.0000"))
    funds(third, 401, limit=100)

    assert figures(reseller) == (3 + 2 + 2, 12 + 14 + 1 + 502, 500 + 401)
    assert figures(reseller, third.pk) == (2, 502, 401)
    assert figures(reseller, first.pk) == (2, 12, 500)


def test_the_wallet_must_cover_the_tax_the_reseller_adds_on_top():
    reseller, domestic, _owner = tenants()
    issuer(reseller, country="FR", prices_include_tax=False, tax_rate=D("20.00"),
           country_tax_rates={"BE": "21.00"})  # fmt: skip
    Client.objects.filter(pk=domestic.pk).update(billing_country="FR")
    business = ClientFactory(reseller=reseller, billing_country="DE", tax_id="DE136695976")
    belgian = ClientFactory(reseller=reseller, billing_country="BE")
    for client in (domestic, business, belgian):
        number_at(client, price=D("10.00"))
        number_at(client, price=D("0.25"))  # tax 5 cents each
    funds(domestic, 1_230)  # 1,025 + 205 tax: covered exactly
    funds(business, 1_025)  # reverse charge: no tax, covered
    funds(belgian, 1_239)  # 1,025 + 210 + 5 (21%): 1,240 needed

    assert client_tax_rates(reseller) == {domestic.pk: D("20.00"), belgian.pk: D("21.00")}
    assert figures(reseller) == (2, 1_025, 1_230 + 1_025 + 1_239)
    funds(domestic, 1_229)
    assert figures(reseller) == (4, 2_050, 1_229 + 1_025 + 1_239)


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

    assert figures(reseller) == (2, 150, 0)
    assert figures(other) == (1, 12_800, 0)


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
@given(numbers, wallets, st.sampled_from([None, "20.00", "7.70", "0.00"]))
def test_the_statement_agrees_with_counting_in_python(specs, purses, tax_on_top):
    reseller, first, _owner = tenants()
    if tax_on_top is not None:
        issuer(reseller, prices_include_tax=False, tax_rate=D(tax_on_top))
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

    figures(reseller)
    for client in clients:
        figures(reseller, client.pk)
