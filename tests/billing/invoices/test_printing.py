"""The printed lines: every figure of a line in one aligned row under a heading padded alike."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from billing.invoices.models import Invoice, InvoiceLine
from billing.invoices.printing import printed_lines

from .helpers import D


def _line(description, net, tax, *, rate="20", quantity=1, start=None, end=None):
    return InvoiceLine(
        description=description, quantity=quantity, supply_start=start, supply_end=end,
        tax_rate=D(rate), net_minor=net, tax_minor=tax, gross_minor=net + tax,
    )  # fmt: skip


def test_each_line_is_one_row_of_figures_aligned_under_the_headings():
    invoice = Invoice(currency="EUR")
    lines = [
        _line("Renewal: +33100000001", 833, 167, start=dt.date(2026, 11, 9),
              end=dt.date(2026, 12, 8)),
        _line("Setup: Paris", 123456_78, 0, rate="0", quantity=12, start=dt.date(2026, 11, 30),
              end=dt.date(2026, 11, 30)),
        _line("Credit", -500, -100),
        _line("Reverse charge", 1000, 0, rate="5.5"),
    ]  # fmt: skip
    with translation.override("en"):
        printed = printed_lines(invoice, lines)
    rows = [figures for _line, figures in printed.rows]
    assert [line for line, _figures in printed.rows] == lines
    assert {len(row) for row in rows} == {len(printed.head)}
    assert printed.head.split() == ["Supply", "period", "Qty", "Net", "Tax", "rate", "Tax", "Gross"]
    first, setup, credit, reduced = rows
    assert first.split() == ["9", "Nov", "2026", "\u2013", "8", "Dec", "2026", "1", "8.33", "20",
                             "%", "1.67", "10.00"]  # fmt: skip
    assert setup.split() == ["30", "Nov", "2026", "12", "123,456.78", "0", "%", "0.00",
                             "123,456.78"]  # fmt: skip
    assert credit.split() == ["1", "-5.00", "20", "%", "-1.00", "-6.00"]
    assert reduced.split()[-4:] == ["5.50", "%", "0.00", "10.00"]
    # Right-aligned: each gross ends where the heading "Gross" ends, each net's decimal mark
    # sits in one column.
    assert all(row.endswith(("10.00", "123,456.78", "-6.00")) for row in rows)
    net_end = printed.head.index("Net") + len("Net")
    assert {row[:net_end].rstrip()[-3] for row in rows} == {"."}
    assert {len(row[:net_end].rstrip()) for row in rows} == {net_end}


def test_the_figures_column_is_as_wide_as_its_text():
    invoice = Invoice(currency="USD")
    short = printed_lines(invoice, [_line("A", 100, 0)])
    wide = printed_lines(invoice, [_line("A", 10**11, 0)])
    assert wide.figures_width_pt > short.figures_width_pt
    assert short.figures_width_pt == round(len(short.head) * 0.602 * 8 + 9, 1)


def test_one_rate_for_every_line_is_said_once_in_the_heading():
    invoice = Invoice(currency="USD")
    lines = [_line("A", 833, 167), _line("B", 1000, 200, quantity=2)]
    with translation.override("en"):
        printed = printed_lines(invoice, lines)
    assert printed.head.split() == ["Supply", "period", "Qty", "Net", "Tax", "20", "%", "Gross"]
    assert [figures.split() for _line, figures in printed.rows] == [
        ["1", "8.33", "1.67", "10.00"],
        ["2", "10.00", "2.00", "12.00"],
    ]
    assert {len(figures) for _line, figures in printed.rows} == {len(printed.head)}
