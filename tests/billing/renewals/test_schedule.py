"""Period dates from the original anchor, and due moments at local midnight: the calendar
cases of issue 11 (month ends, leap days, daylight saving, UTC+14 and UTC-11), as pure dates
and through the renewal job (nothing charged a minute early, grace ending at local midnight)."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.models import RenewalCharge
from billing.renewals.charging import renewals_run
from billing.renewals.schedule import first_unpaid_period, local_midnight, period_start
from inventory.models import NumberStatus

from .helpers import at, make_number, tenants, top_up

d = dt.date


def test_month_end_anchor_comes_back_to_the_31st():
    starts = [period_start(d(2027, 1, 31), "monthly", k) for k in range(4)]
    assert starts == [d(2027, 1, 31), d(2027, 2, 28), d(2027, 3, 31), d(2027, 4, 30)]
    assert period_start(d(2028, 1, 31), "monthly", 1) == d(2028, 2, 29)  # a leap year


def test_quarterly_from_november_30_is_may_30_not_31():
    starts = [period_start(d(2026, 11, 30), "quarterly", k) for k in range(3)]
    assert starts == [d(2026, 11, 30), d(2027, 2, 28), d(2027, 5, 30)]


def test_annual_from_a_leap_day():
    starts = [period_start(d(2028, 2, 29), "annual", k) for k in range(5)]
    assert starts == [
        d(2028, 2, 29),
        d(2029, 2, 28),
        d(2030, 2, 28),
        d(2031, 2, 28),
        d(2032, 2, 29),
    ]


def test_due_at_local_midnight_across_a_daylight_saving_change():
    # New York: EST (UTC-5) on 1 March, EDT (UTC-4) on 1 April 2027.
    assert local_midnight(d(2027, 3, 1), "America/New_York") == dt.datetime(
        2027, 3, 1, 5, tzinfo=dt.UTC
    )
    assert local_midnight(d(2027, 4, 1), "America/New_York") == dt.datetime(
        2027, 4, 1, 4, tzinfo=dt.UTC
    )


def test_due_at_local_midnight_far_east_and_far_west():
    # Kiritimati is UTC+14: its 15 January begins on 14 January at 10:00 UTC.
    assert local_midnight(d(2027, 1, 15), "Pacific/Kiritimati") == dt.datetime(
        2027, 1, 14, 10, tzinfo=dt.UTC
    )
    # Pago Pago is UTC-11: its 15 January begins on 15 January at 11:00 UTC.
    assert local_midnight(d(2027, 1, 15), "Pacific/Pago_Pago") == dt.datetime(
        2027, 1, 15, 11, tzinfo=dt.UTC
    )


def test_a_midnight_that_does_not_exist_is_when_the_day_starts():
    # Santiago springs forward at midnight (2026-09-06 00:00 → 01:00 local, UTC-3 after).
    moment = local_midnight(d(2026, 9, 6), "America/Santiago")
    assert moment == dt.datetime(2026, 9, 6, 4, tzinfo=dt.UTC)


def test_numbers_sold_before_renewals_keep_their_paid_period():
    assert first_unpaid_period(d(2026, 10, 15), "monthly", d(2026, 11, 14)) == 1
    assert first_unpaid_period(d(2026, 8, 15), "monthly", d(2026, 11, 14)) == 3


def test_due_at_local_midnight_when_the_clocks_go_back():
    # New York: EDT (UTC-4) on 15 October, EST (UTC-5) on 15 November 2027.
    assert local_midnight(d(2027, 11, 15), "America/New_York") == dt.datetime(
        2027, 11, 15, 5, tzinfo=dt.UTC
    )


def funded(time_zone: str = "UTC", **reseller_fields):
    reseller, client, _ = tenants(time_zone=time_zone, **reseller_fields)
    top_up(client, 100_000)
    top_up(reseller, 100_000)
    return client


def charged_starts(number) -> list[dt.date]:
    return sorted(RenewalCharge.objects.filter(number=number).values_list("period_start", flat=1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("anchor", "due_utc"),
    [
        (d(2027, 2, 15), dt.datetime(2027, 3, 15, 4, tzinfo=dt.UTC)),  # into summer time
        (d(2027, 10, 15), dt.datetime(2027, 11, 15, 5, tzinfo=dt.UTC)),  # out of it
    ],
)
def test_a_period_across_a_daylight_saving_change_is_due_at_the_new_local_midnight(
    upstream, anchor, due_utc
):
    client = funded("America/New_York")
    number = make_number(client, anchor=anchor)
    assert renewals_run(now=due_utc - dt.timedelta(minutes=1)).charged == 0  # never early
    assert renewals_run(now=due_utc).charged == 1
    number.refresh_from_db()
    assert charged_starts(number) == [anchor.replace(month=anchor.month + 1)]


@pytest.mark.django_db
def test_a_grace_across_a_daylight_saving_change_ends_at_local_midnight(upstream):
    reseller, client, _ = tenants(time_zone="America/New_York", renewal_grace_days=3)
    number = make_number(client, anchor=d(2027, 2, 12))  # due 12 March, EST; clocks change 14th
    renewals_run(now=dt.datetime(2027, 3, 12, 5, tzinfo=dt.UTC))
    number.refresh_from_db()
    # 15 March local midnight is 04:00 UTC (EDT), not 72 hours after 12 March's 05:00 UTC.
    assert (number.status, number.state_until) == (
        NumberStatus.GRACE, dt.datetime(2027, 3, 15, 4, tzinfo=dt.UTC),
    )  # fmt: skip
    renewals_run(now=dt.datetime(2027, 3, 15, 3, 59, tzinfo=dt.UTC))
    number.refresh_from_db()
    assert number.status == NumberStatus.GRACE
    renewals_run(now=dt.datetime(2027, 3, 15, 4, tzinfo=dt.UTC))
    number.refresh_from_db()
    assert number.status == NumberStatus.SUSPENDED
    assert reseller.renewal_grace_days == 3


@pytest.mark.django_db
def test_a_leap_day_through_the_job_monthly_and_annual(upstream):
    client = funded()
    monthly = make_number(client, anchor=d(2028, 1, 29))
    annual = make_number(client, anchor=d(2028, 2, 29), cycle="annual", retail="50.00")
    assert renewals_run(now=at(d(2028, 2, 28), 23, 59)).charged == 0
    assert renewals_run(now=at(d(2028, 2, 29))).charged == 1  # the leap day itself
    assert renewals_run(now=at(d(2029, 2, 27), 23, 59)).charged == 11  # monthly, Mar to Jan
    assert renewals_run(now=at(d(2029, 2, 28))).charged == 2  # both fall on the 28th in 2029
    starts = charged_starts(monthly)
    assert starts[:3] == [d(2028, 2, 29), d(2028, 3, 29), d(2028, 4, 29)]
    assert starts[-2:] == [d(2029, 1, 29), d(2029, 2, 28)]
    assert charged_starts(annual) == [d(2029, 2, 28)]
    annual.refresh_from_db()
    assert annual.next_period_start == d(2030, 2, 28)


@pytest.mark.django_db
def test_a_month_end_anchor_through_the_job_in_a_far_east_zone(upstream):
    client = funded("Pacific/Kiritimati")
    number = make_number(client, anchor=d(2027, 1, 31))
    # Kiritimati's 28 February begins on 27 February at 10:00 UTC; its 31 March on the 30th.
    assert renewals_run(now=at(d(2027, 2, 27), 9, 59)).charged == 0
    assert renewals_run(now=at(d(2027, 2, 27), 10)).charged == 1
    assert renewals_run(now=at(d(2027, 3, 30), 9, 59)).charged == 0
    assert renewals_run(now=at(d(2027, 3, 30), 10)).charged == 1
    assert charged_starts(number) == [d(2027, 2, 28), d(2027, 3, 31)]
