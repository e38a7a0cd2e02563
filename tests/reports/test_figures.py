"""Every figure of the report, recomputed from the raw rows on generated data, to the cent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import LedgerAccount, Posting
from inventory.models import Number
from reports import selectors
from reports.models import ClosedPeriod
from tests.factories import ClientFactory, ResellerFactory, reseller_member

from . import generated as g

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def world(zone, number_specs, charge_specs):
    reseller = ResellerFactory(time_zone=zone)
    clients = [ClientFactory(reseller=reseller) for _ in range(3)]
    g.numbers_make(reseller, clients, number_specs)
    g.charges_post(reseller, clients, charge_specs)
    # another reseller's business, at the same moments, must not leak in
    other = ResellerFactory(time_zone=zone)
    other_clients = [ClientFactory(reseller=other) for _ in range(3)]
    g.numbers_make(other, other_clients, number_specs[:3])
    g.charges_post(other, other_clients, charge_specs[:3])
    return reseller, clients


@EXAMPLES
@given(
    zone=st.sampled_from(g.ZONES),
    number_specs=st.lists(g.number_specs, max_size=12),
    charge_specs=st.lists(g.charge_specs, min_size=1, max_size=14),
)
def test_every_figure_matches_a_recount_from_the_rows(zone, number_specs, charge_specs):
    reseller, clients = world(zone, number_specs, charge_specs)
    owner = reseller_member(reseller)

    report = selectors.reseller_report(actor=owner, now=g.NOW)
    again = selectors.reseller_report(actor=owner, now=g.NOW)  # from the stored closed months

    revenue = g.expected_revenue(reseller)
    window = g.months_window(zone)
    numbers = list(Number.objects.filter(reseller=reseller))
    for figures in (report, again):
        assert [m.month for m in figures.months] == window
        for m in figures.months:
            rows = [v for (month, _c), v in revenue.items() if month == m.month]
            assert m.revenue.minor == sum(r for r, _w in rows)
            assert m.wholesale.minor == sum(w for _r, w in rows)
            assert m.margin.minor == m.revenue.minor - m.wholesale.minor
            assert m.added == sum(
                1 for n in numbers if g.local_month(n.activated_at, zone) == m.month
            )
            assert m.churned == sum(
                1
                for n in numbers
                if n.released_at and g.local_month(n.released_at, zone) == m.month
            )
            assert m.held == sum(
                1
                for n in numbers
                if g.local_month(n.activated_at, zone) <= m.month
                and not (n.released_at and g.local_month(n.released_at, zone) <= m.month)
            )
        assert figures.mrr.minor == g.expected_mrr(numbers).get("all", (0, 0))[1]
        assert figures.active_numbers == sum(1 for n in numbers if n.status == "active")
        assert {s.key: (s.numbers, s.mrr.minor) for s in figures.by_country} == g.expected_mrr(
            numbers, g.country
        )
        assert {s.key: (s.numbers, s.mrr.minor) for s in figures.by_type} == g.expected_mrr(
            numbers, lambda n: n.number_type
        )
        wallets = LedgerAccount.objects.filter(client__in=clients, kind="client_wallet")
        assert figures.cash_in_wallets.minor == sum(
            p.amount_minor for p in Posting.objects.filter(account__in=wallets)
        )
        per_client = defaultdict(lambda: [0, 0])
        for (month, client), (r, w) in revenue.items():
            if month in window:
                per_client[client][0] += r
                per_client[client][1] += r - w
        assert {c.client_id: [c.revenue.minor, c.margin.minor] for c in figures.by_client} == {
            c: v for c, v in per_client.items() if v != [0, 0]
        }
        assert [c.revenue.minor for c in figures.top_by_revenue] == sorted(
            (v[0] for v in per_client.values() if v != [0, 0]), reverse=True
        )[:10]
    assert ClosedPeriod.objects.filter(reseller=reseller, kind="month").count() == 12
    assert ClosedPeriod.objects.filter(reseller=reseller, kind="day").count() >= 13


@EXAMPLES
@given(
    zone=st.sampled_from(g.ZONES),
    number_specs=st.lists(g.number_specs, min_size=1, max_size=12),
    charge_specs=st.lists(g.charge_specs, max_size=6),
)
def test_renewals_at_risk_in_the_next_30_days(zone, number_specs, charge_specs):
    reseller, clients = world(zone, number_specs, charge_specs)
    report = selectors.reseller_report(actor=reseller_member(reseller), now=g.NOW)

    horizon = g.NOW + dt.timedelta(days=30)
    count, cents = 0, 0
    for client in clients:
        numbers = list(Number.objects.filter(client=client))
        owing = [n for n in numbers if n.status in ("grace", "suspended")]
        due = [
            n
            for n in numbers
            if n.status == "active"
            and n.auto_renew
            and not n.provider_blocked
            and g.NOW < n.renewal_due_at <= horizon
        ]
        count += len(owing)
        cents += sum(int(n.retail_period * 100) for n in owing)
        balance = sum(p.amount_minor for p in Posting.objects.filter(account__client=client))
        due_cents = sum(int(n.retail_period * 100) for n in due)
        if due_cents > balance:
            count += len(due)
            cents += due_cents
    assert (report.at_risk_numbers, report.at_risk_amount.minor) == (count, cents)


def test_a_client_report_is_that_clients_history_only():
    reseller = ResellerFactory(time_zone="Europe/Paris")
    clients = [ClientFactory(reseller=reseller) for _ in range(3)]
    charge = dict(retail=1000, wholesale=600, cost=100, cost_in_eur=False)
    g.charges_post(
        reseller,
        clients,
        [
            {"kind": "renewal", "client": 0, "at": g.NOW - dt.timedelta(days=40), **charge},
            {"kind": "capture", "client": 1, "at": g.NOW - dt.timedelta(days=40), **charge},
            {"kind": "credit", "client": 0, "at": g.NOW - dt.timedelta(hours=1), **charge},
        ],
    )
    report = selectors.client_report(
        actor=reseller_member(reseller), client_pk=clients[0].pk, now=g.NOW
    )
    assert [(m.revenue.minor, m.margin.minor) for m in report.months[-2:]] == [
        (1000, 400),
        (-1000, -1000),
    ]
    assert report.by_client == []


def test_a_month_is_summed_live_until_an_hour_after_it_ends_then_stored():
    reseller = ResellerFactory(time_zone="America/New_York")
    clients = [ClientFactory(reseller=reseller)]
    owner = reseller_member(reseller)
    midnight = dt.datetime(2026, 7, 1, 4, 0, tzinfo=dt.UTC)  # 1 July, 00:00 in New York
    charge = dict(client=0, retail=1000, wholesale=600, cost=100, cost_in_eur=False)
    g.charges_post(
        reseller,
        clients,
        [
            {"kind": "renewal", "at": midnight - dt.timedelta(minutes=1), **charge},
            {"kind": "capture", "at": midnight + dt.timedelta(minutes=1), **charge},
        ],
    )
    for minutes, stored in ((30, False), (61, True), (90, True)):
        report = selectors.reseller_report(
            actor=owner, now=midnight + dt.timedelta(minutes=minutes)
        )
        june, july = report.months[-2:]
        assert (june.month, june.revenue.minor, june.margin.minor) == (
            dt.date(2026, 6, 1),
            1000,
            400,
        )
        assert (july.month, july.revenue.minor, july.margin.minor) == (
            dt.date(2026, 7, 1),
            1000,
            400,
        )
        june_stored = ClosedPeriod.objects.filter(
            reseller=reseller, kind="month", start=dt.date(2026, 6, 1)
        )
        assert june_stored.exists() is stored
