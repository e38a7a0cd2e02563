"""The dashboard's charts from a report (the figures stay in the report; this only draws)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import charts
from .selectors import Report

COUNTRIES_CHARTED = 8


def charts_for(report: Report) -> dict[str, charts.Chart]:
    months = [date_format(m.month, "M") for m in report.months]
    return {
        "money": charts.columns(
            _("Revenue and margin per month"),
            months,
            [
                (
                    "bar-a",
                    _("Revenue"),
                    [m.revenue.minor for m in report.months],
                    [str(m.revenue) for m in report.months],
                ),
                (
                    "bar-b",
                    _("Margin"),
                    [m.margin.minor for m in report.months],
                    [str(m.margin) for m in report.months],
                ),
            ],
        ),
        "numbers": charts.columns(
            _("Numbers held at each month's end"),
            months,
            [
                (
                    "bar-c",
                    _("Numbers"),
                    [m.held for m in report.months],
                    [str(m.held) for m in report.months],
                )
            ],
        ),
        "countries": charts.rows(
            _("Recurring revenue by country"),
            [(s.label, s.mrr.minor, str(s.mrr)) for s in report.by_country[:COUNTRIES_CHARTED]],
        ),
    }
