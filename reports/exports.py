"""The rows of each report's CSV: the same figures as the page, amounts as plain decimals in
the reseller's currency (a spreadsheet reads them as numbers), one header row first."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from customers.views.audit import safe_cell

from .selectors import Report

REPORTS = {
    "months": _("Revenue, margin and numbers per month"),
    "countries": _("Recurring revenue by country"),
    "types": _("Recurring revenue by number type"),
    "clients": _("Revenue and margin by client"),
}


def report_rows(report: Report, name: str) -> Iterator[list[str]]:
    currency = report.currency
    if name == "months":
        yield ["month", "currency", "revenue", "wholesale", "margin", "added", "churned", "held"]
        for m in report.months:
            yield [
                f"{m.month:%Y-%m}", currency, str(m.revenue.amount), str(m.wholesale.amount),
                str(m.margin.amount), str(m.added), str(m.churned), str(m.held),
            ]  # fmt: skip
    elif name in ("countries", "types"):
        shares = report.by_country if name == "countries" else report.by_type
        yield [name[:-1] if name == "countries" else "number_type", "label", "currency",
               "active_numbers", "mrr"]  # fmt: skip
        for s in shares:
            yield [s.key, safe_cell(s.label), currency, str(s.numbers), str(s.mrr.amount)]
    else:
        yield ["client_id", "client", "currency", "revenue", "margin", "since"]
        for c in sorted(report.by_client, key=lambda c: (-c.revenue.minor, c.name)):
            yield [
                str(c.client_id or ""), safe_cell(c.name), currency, str(c.revenue.amount),
                str(c.margin.amount), f"{report.window_start:%Y-%m}",
            ]  # fmt: skip
