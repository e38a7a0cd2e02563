"""Renewal periods and their due moments (pure functions, no database).

Period k of a number starts at ``anchor + k * cycle months``, counted from the ORIGINAL anchor
with relativedelta (Jan 31 → Feb 28/29 → Mar 31; quarterly Nov 30 → Feb 28 → May 30; annual
Feb 29 → Feb 28), and falls due at local midnight of that day in the reseller's time zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.conf import settings

from ..models import CYCLE_MONTHS


def period_start(anchor: dt.date, cycle: str, k: int) -> dt.date:
    return anchor + relativedelta(months=CYCLE_MONTHS[cycle] * k)


def local_midnight(day: dt.date, time_zone: str) -> dt.datetime:
    """The UTC moment local ``day`` begins. A midnight a daylight-saving jump skips is the
    moment the day actually starts (fold=0 then normalised through UTC)."""
    zone = zoneinfo.ZoneInfo(time_zone)
    local = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    moment = local.astimezone(dt.UTC)
    if moment.astimezone(zone).date() < day:  # midnight did not exist: the day starts later
        moment = dt.datetime.combine(day, dt.time(1), tzinfo=zone).astimezone(dt.UTC)
    return moment


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def grace_days(reseller, provider_kind: str) -> int:
    """Days a number unpaid stays in service: the reseller's grace, at most the platform's
    shortest (RENEWAL_SHORTEST_GRACE_DAYS) where the provider cannot suspend it upstream."""
    from inventory.upstream import suspends_upstream  # inventory imports billing's models

    if suspends_upstream(provider_kind):
        return reseller.renewal_grace_days
    return min(reseller.renewal_grace_days, settings.RENEWAL_SHORTEST_GRACE_DAYS)


def first_unpaid_period(anchor: dt.date, cycle: str, paid_until: dt.date) -> int:
    """The k of the first period starting after ``paid_until`` (numbers sold before renewals)."""
    k = 1
    while period_start(anchor, cycle, k) <= paid_until:
        k += 1
    return k
