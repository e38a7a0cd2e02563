"""A report's months: closed ones read from their stored sums, the open one from its closed
days and today's postings, numbers from the closed months and the open month's live counts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import BigIntegerField, Q, Sum
from django.db.models.functions import Cast

from customers.models import Reseller

from . import ledger_sums as sums
from . import numbers as nums
from .models import ClosedPeriod, ClosedPeriodClient, PeriodKind


@dataclass
class MonthSums:
    revenue_minor: int = 0
    wholesale_minor: int = 0
    added: int = 0
    churned: int = 0
    held: int = 0

    @property
    def margin_minor(self) -> int:
        return self.revenue_minor - self.wholesale_minor


@dataclass
class History:
    months: dict[dt.date, MonthSums]
    clients: dict[int | None, sums.Sums]  # over the window (the dashboard's breakdown)


def month_history(
    reseller: Reseller, window: list[dt.date], now: dt.datetime, client_id: int | None
) -> History:
    """The window's months: closed ones from their stored rows, the open month from its closed
    days plus today's postings live; numbers from the closed months plus the open month's live
    adds and churn. Closed periods not stored yet are summed and stored first."""
    tz = reseller.time_zone
    closed_months = [m for m in window if sums.is_closed(m, tz, now)]
    open_from = window[len(closed_months)]  # the first month not closed (the window's last)
    days, day = [], open_from
    while sums.day_is_closed(day, tz, now):
        days.append(day)
        day += dt.timedelta(days=1)
    live_from = sums.month_begins(day, tz)
    periods = list(
        ClosedPeriod.objects.filter(reseller=reseller, time_zone=tz, month__gte=window[0])
        .filter(currency=reseller.currency)
        .filter(
            Q(kind=PeriodKind.MONTH, month__in=closed_months)
            | Q(kind=PeriodKind.DAY, start__in=days)
        )
    )
    for kind, starts in ((PeriodKind.MONTH, closed_months), (PeriodKind.DAY, days)):
        known = {p.start for p in periods if p.kind == kind}
        periods += sums.periods_close(reseller, kind, starts, known)

    months = {m: MonthSums() for m in window}
    per_client = ClosedPeriodClient.objects.filter(period__in=[p.pk for p in periods])
    clients: dict[int | None, sums.Sums] = defaultdict(sums.Sums)
    if client_id is None:
        for p in periods:
            _add(months[p.month], p.revenue_minor, p.wholesale_minor, p)
        # One row per client (a thousand for a large reseller), as tuples, the sums cast back
        # to bigint: PostgreSQL's SUM of a bigint is a numeric, slow to read as a Decimal.
        per_client_sums = (
            per_client.values("client_id")
            .annotate(
                revenue=Cast(Sum("revenue_minor"), BigIntegerField()),
                wholesale=Cast(Sum("wholesale_minor"), BigIntegerField()),
            )
            .values_list("client_id", "revenue", "wholesale")
        )
        for client, revenue, wholesale in per_client_sums:
            clients[client] = sums.Sums(revenue, wholesale)
    else:
        kinds = {p.pk: p for p in periods}
        for row in per_client.filter(client_id=client_id):
            p = kinds[row.period_id]
            _add(months[p.month], row.revenue_minor, row.wholesale_minor, p, row)

    live = sums.postings_by_period_client(reseller, live_from, client_id=client_id)
    for (month, client), s in live.items():
        months[month].revenue_minor += s.revenue_minor
        months[month].wholesale_minor += s.wholesale_minor
        clients[client].add(s.revenue_minor, s.wholesale_minor)

    last_closed = window[len(closed_months) - 1] if closed_months else None
    held = months[last_closed].held if last_closed else _held_before(reseller, window[0], client_id)
    added, released = nums.adds_and_churn(
        reseller.pk, tz, since=sums.month_begins(open_from, tz), client_id=client_id
    )
    for month in window[len(closed_months) :]:
        f = months[month]
        f.added = added.get((month, None), 0)
        f.churned = released.get((month, None), 0)
        held += f.added - f.churned
        f.held = held
    return History(months=months, clients=clients)


def _add(month: MonthSums, revenue: int, wholesale: int, period, counts=None) -> None:
    month.revenue_minor += revenue
    month.wholesale_minor += wholesale
    if period.kind == PeriodKind.MONTH:
        source = counts or period
        month.added, month.churned, month.held = source.added, source.churned, source.held


def _held_before(reseller: Reseller, month: dt.date, client_id: int | None) -> int:
    """Numbers held when ``month`` began (only when no month of the window is closed yet)."""
    added, released = nums.adds_and_churn(
        reseller.pk, reseller.time_zone, until=sums.month_begins(month, reseller.time_zone),
        client_id=client_id,
    )  # fmt: skip
    return sum(added.values()) - sum(released.values())
