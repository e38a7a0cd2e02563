"""Period dates from the original anchor, and due moments at local midnight."""

from __future__ import annotations

import datetime as dt

from billing.renewals.schedule import first_unpaid_period, local_midnight, period_start

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
