"""The reseller's business in numbers (issue 13): every figure from the ledger and the numbers,
scoped to one reseller (and, for a client's page, one of its clients).

A report reads the stored sums of its closed months, the live postings of the open month, and
the numbers, in a fixed handful of queries whatever the volume (the dashboard's budget is 12
queries over 100,000 numbers and 1,000,000 postings).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from billing.models import AccountKind, LedgerAccount
from billing.selectors_wallets import Money
from customers.models import Client, Membership, Reseller

from . import ledger_sums as sums
from . import numbers as nums
from .at_risk import renewals_at_risk
from .history import month_history

MONTHS_BACK = 12  # closed months shown before the current one
TOP = 10


@dataclass
class MonthFigures:
    month: dt.date
    revenue: Money
    wholesale: Money
    margin: Money
    added: int
    churned: int
    held: int  # numbers held at the month's end (or now, for the current month)

    @property
    def net_adds(self) -> int:
        return self.added - self.churned


@dataclass
class Share:
    key: str
    label: str
    numbers: int
    mrr: Money


@dataclass
class ClientFigures:
    client_id: int | None
    name: str
    revenue: Money
    margin: Money


@dataclass
class Report:
    reseller: Reseller
    client: Client | None
    currency: str
    now: dt.datetime
    mrr: Money
    active_numbers: int
    months: list[MonthFigures]
    cash_in_wallets: Money
    at_risk_numbers: int
    at_risk_amount: Money
    by_country: list[Share]
    by_type: list[Share]
    by_client: list[ClientFigures] = field(default_factory=list)

    @property
    def this_month(self) -> MonthFigures:
        return self.months[-1]

    @property
    def top_by_revenue(self) -> list[ClientFigures]:
        return sorted(self.by_client, key=lambda c: (-c.revenue.minor, c.name))[:TOP]

    @property
    def top_by_margin(self) -> list[ClientFigures]:
        return sorted(self.by_client, key=lambda c: (-c.margin.minor, c.name))[:TOP]

    @property
    def window_start(self) -> dt.date:
        return self.months[0].month


# --- who may see what ----------------------------------------------------------------------------


def reseller_report(
    *, actor: Membership, now: dt.datetime | None = None, every_client: bool = False
) -> Report:
    if not actor.is_reseller:
        raise Http404
    return report_build(reseller=actor.reseller, now=now, every_client=every_client)


def client_report(*, actor: Membership, client_pk: int, now: dt.datetime | None = None) -> Report:
    """One of the reseller's clients' own history; another reseller's client is a 404."""
    if not actor.is_reseller:
        raise Http404
    client = Client.objects.filter(reseller_id=actor.reseller_id, pk=client_pk).first()
    if client is None:
        raise Http404
    return report_build(reseller=actor.reseller, client=client, now=now)


# --- building one ----------------------------------------------------------------------------


def report_build(
    *,
    reseller: Reseller,
    client: Client | None = None,
    now: dt.datetime | None = None,
    every_client: bool = False,
) -> Report:
    """The report of ``reseller`` (the platform admin's pages call this for any reseller);
    ``by_client`` holds the top clients, or every client with revenue when ``every_client``."""
    now = now or timezone.now()
    currency, tz = reseller.currency, reseller.time_zone
    client_id = client.pk if client else None
    money = lambda minor: Money(int(minor), currency)  # noqa: E731

    this = sums.current_month(now, tz)
    window = [sums.month_add(this, -k) for k in range(MONTHS_BACK, -1, -1)]
    history = month_history(reseller, window, now, client_id)

    rows = list(nums.active_retail(reseller.pk, client_id))
    by_country = nums.mrr_by(rows, lambda r: nums.country_of_prefix(r["prefix"], r["example"]))
    by_type = nums.mrr_by(rows, lambda r: r["number_type"] or "other")
    everything = nums.mrr_by(rows, lambda r: "all").get("all", (0, {}))

    months = [
        MonthFigures(
            month=month,
            revenue=money(f.revenue_minor),
            wholesale=money(f.wholesale_minor),
            margin=money(f.margin_minor),
            added=f.added,
            churned=f.churned,
            held=f.held,
        )
        for month, f in history.months.items()
    ]

    at_risk = renewals_at_risk(reseller, now, client_id)
    return Report(
        reseller=reseller,
        client=client,
        currency=currency,
        now=now,
        mrr=money(nums.minor_of(nums.monthly_of(everything[1]), currency)),
        active_numbers=everything[0],
        months=months,
        cash_in_wallets=money(at_risk.cash_minor),
        at_risk_numbers=at_risk.numbers,
        at_risk_amount=money(at_risk.minor),
        by_country=_shares(by_country, nums.country_name, currency),
        by_type=_shares(by_type, lambda key: key.replace("_", " ").capitalize(), currency),
        by_client=[] if client else _clients(reseller, history.clients, currency, every_client),
    )


def _shares(grouped, label, currency: str) -> list[Share]:
    shares = [
        Share(
            key=key,
            label=label(key),
            numbers=count,
            mrr=Money(nums.minor_of(nums.monthly_of(per_cycle), currency), currency),
        )
        for key, (count, per_cycle) in grouped.items()
    ]
    return sorted(shares, key=lambda s: (-s.mrr.minor, s.label))


def _clients(
    reseller: Reseller, per_client: dict[int | None, sums.Sums], currency: str, everyone: bool
) -> list[ClientFigures]:
    # Clients whose closed months hold only numbers (no charge, no credit) earned nothing.
    per_client = {c: s for c, s in per_client.items() if s.revenue_minor or s.wholesale_minor}
    top = (
        set(per_client)
        if everyone
        else {
            *sorted(per_client, key=lambda c: -per_client[c].revenue_minor)[:TOP],
            *sorted(per_client, key=lambda c: -per_client[c].margin_minor)[:TOP],
        }
    )
    names = dict(
        Client.objects.filter(reseller=reseller, pk__in=[c for c in top if c]).values_list(
            "pk", "name"
        )
    )
    return [
        ClientFigures(
            client_id=client,
            name=names.get(client, "") if client else reseller.display_name,
            revenue=Money(s.revenue_minor, currency),
            margin=Money(s.margin_minor, currency),
        )
        for client, s in per_client.items()
        if client in top
    ]


# --- the platform --------------------------------------------------------------------------------


@dataclass
class ResellerLine:
    reseller: Reseller
    active_numbers: int
    mrr: Money
    cash_in_wallets: Money


def platform_overview() -> list[ResellerLine]:
    """Every reseller's recurring revenue, active numbers and client cash, in its currency
    (three queries; each reseller's own dashboard has the rest). Staff only."""
    resellers = list(Reseller.objects.order_by("name"))
    retail: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[int, int] = defaultdict(int)
    for row in nums.active_retail_per_reseller():
        retail[row["reseller_id"]][row["billing_cycle"]] += row["retail"]
        counts[row["reseller_id"]] += row["n"]
    # In each reseller's currency, as its dashboard counts it.
    cash = {
        (reseller_id, currency): total
        for reseller_id, currency, total in LedgerAccount.objects.filter(
            kind=AccountKind.CLIENT_WALLET
        )
        .values("reseller_id", "currency")
        .annotate(total=Sum("balance_minor"))
        .values_list("reseller_id", "currency", "total")
    }
    return [
        ResellerLine(
            reseller=r,
            active_numbers=counts[r.pk],
            mrr=Money(nums.minor_of(nums.monthly_of(retail[r.pk]), r.currency), r.currency),
            cash_in_wallets=Money(cash.get((r.pk, r.currency)) or 0, r.currency),
        )
        for r in resellers
    ]
