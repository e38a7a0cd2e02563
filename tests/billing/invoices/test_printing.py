"""The printed lines: one monospaced text line per invoice line, its description then every
figure, in columns aligned under a heading padded alike; long descriptions wrap, never cut."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from billing.invoices.models import Invoice, InvoiceLine, PaperSize
from billing.invoices.printing import _without_year, characters_per_line, printed_lines

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
        printed = printed_lines(invoice, lines, width=100)
    assert [line for line, _printed in printed.rows] == lines
    assert all(len(text) == 1 for _line, text in printed.rows)  # short: one text line each
    rows = [text[0] for _line, text in printed.rows]
    assert {len(row) for row in rows} == {len(printed.head)} == {100}
    assert printed.head.split() == ["Description", "Supply", "period", "Qty", "Net", "Tax",
                                    "rate", "Tax", "Gross"]  # fmt: skip
    first, setup, credit, reduced = rows
    assert first.split() == ["Renewal:", "+33100000001", "9", "Nov", "\u2013", "8", "Dec", "2026",
                             "1", "8.33", "20", "%", "1.67", "10.00"]  # fmt: skip
    assert setup.split() == ["Setup:", "Paris", "30", "Nov", "2026", "12", "123,456.78", "0",
                             "%", "0.00", "123,456.78"]  # fmt: skip
    assert credit.split() == ["Credit", "1", "-5.00", "20", "%", "-1.00", "-6.00"]
    assert reduced.split()[-4:] == ["5.50", "%", "0.00", "10.00"]
    # Aligned: the periods start where their heading starts; each gross ends where the
    # heading "Gross" ends; each net's decimal mark sits in one column.
    period_start = printed.head.index("Supply period")
    assert first[period_start:].startswith("9 Nov \u2013 8 Dec 2026")
    assert setup[period_start:].startswith("30 Nov 2026")
    assert all(row.endswith(("10.00", "123,456.78", "-6.00")) for row in rows)
    net_end = printed.head.index("Net") + len("Net")
    assert {row[:net_end].rstrip()[-3] for row in rows} == {"."}
    assert {len(row[:net_end].rstrip()) for row in rows} == {net_end}
    assert printed.text == "\n".join(rows)


def test_a_long_description_wraps_onto_indented_lines_and_is_not_cut():
    invoice = Invoice(currency="USD")
    words = [f"word{i}" for i in range(40)]
    long = _line(" ".join(words), 100, 20)
    with translation.override("en"):
        printed = printed_lines(invoice, [long, _line("Short", 100, 20)], width=80)
    (_long, text), (_short, short) = printed.rows
    assert len(text) > 2 and len(short) == 1
    assert text[0].split()[-4:] == ["1", "1.00", "0.20", "1.20"]  # the figures on its first line
    assert all(line.startswith("  word") for line in text[1:])  # continuations, indented
    assert all(len(line) <= 80 for line in text)
    described = [text[0][: printed.head.index("Supply period")], *text[1:]]
    assert " ".join(" ".join(described).split()) == " ".join(words)  # every word, in order
    assert printed.text.count("\n") == len(text)  # one text line each, no blank ones


def test_the_lines_fit_the_paper_and_the_description_keeps_a_minimum():
    assert characters_per_line(PaperSize.A4) == 111  # 178 mm at 7.5 pt DejaVu Sans Mono
    assert characters_per_line(PaperSize.LETTER) == 115
    invoice = Invoice(currency="USD")
    with translation.override("en"):
        a4 = printed_lines(invoice, [_line("A", 100, 0)], width=104)
        letter = printed_lines(invoice, [_line("A", 100, 0)], width=108)
        huge = printed_lines(invoice, [_line("A " * 30, 10**15, 0)], width=60)
    assert (len(a4.head), len(letter.head)) == (104, 108)
    # Figures wider than the paper leave the description its minimum rather than nothing.
    assert huge.head.index("Supply period") >= 24
    assert len(huge.rows[0][1]) > 1
    # Lines that fit are printed as they are; wider ones are left to the PDF to wrap.
    assert a4.fits and letter.fits and not huge.fits


def test_one_rate_for_every_line_is_said_once_in_the_heading():
    invoice = Invoice(currency="USD")
    lines = [_line("A", 833, 167), _line("B", 1000, 200, quantity=2)]
    with translation.override("en"):
        printed = printed_lines(invoice, lines)
    assert printed.head.split() == ["Description", "Supply", "period", "Qty", "Net", "Tax", "20",
                                    "%", "Gross"]  # fmt: skip
    assert [text[0].split() for _line, text in printed.rows] == [
        ["A", "1", "8.33", "1.67", "10.00"],
        ["B", "2", "10.00", "2.00", "12.00"],
    ]
    assert {len(text[0]) for _line, text in printed.rows} == {len(printed.head)}


def test_a_period_names_its_year_once_unless_it_spans_two():
    invoice = Invoice(currency="USD")
    lines = [
        _line("Within", 100, 0, start=dt.date(2026, 11, 9), end=dt.date(2026, 12, 8)),
        _line("Across", 100, 0, start=dt.date(2026, 12, 9), end=dt.date(2027, 1, 8)),
        _line("One day", 100, 0, start=dt.date(2026, 11, 30), end=dt.date(2026, 11, 30)),
    ]
    with translation.override("en"):
        printed = printed_lines(invoice, lines)
    start = printed.head.index("Supply period")
    periods = [text[0][start:].split("  ")[0] for _line, text in printed.rows]
    assert periods == ["9 Nov \u2013 8 Dec 2026", "9 Dec 2026 \u2013 8 Jan 2027", "30 Nov 2026"]


@pytest.mark.parametrize(
    ("short", "yearless"),
    [("j M Y", "j M"), ("d/m/Y", "d/m"), ("m/d/y", "m/d"), ("Y-m-d", "m-d"), ("d.m.Y", "d.m"),
     ("d Y m", None), ("j M", None)],
)  # fmt: skip
def test_the_yearless_date_format_drops_the_year_at_either_end(short, yearless):
    assert _without_year(short) == yearless
