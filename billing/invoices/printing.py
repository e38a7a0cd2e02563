"""The invoice's lines as they are printed in its PDF.

WeasyPrint's cost is per box and per text fragment (~0.2 ms each, however short the text),
and a table costs most: a 200-line invoice drawn as seven cells per line took ~1.2 s, as two
cells per line still ~0.5 s. So on paper the lines are no table at all but preformatted
text in a monospaced font, a statement: each invoice line is one printed line, its
description then its figures (supply period, quantity, net, tax rate, tax, gross), every
column padded to its widest entry so that the columns line up under a heading padded the
same way. A description too long for its column wraps onto continuation lines (indented),
never cut. A few blocks of ten invoice lines each are laid out as one line box per printed
line, with no box per figure (~0.2 s CPU for 200 lines, the rest of the document included).
The page keeps its seven-column table (it reflows on a phone); both come from the same
template and partial.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _

from ..money import format_figure
from .models import Invoice, InvoiceLine, PaperSize

GAP = "  "  # between two figures
DESCRIPTION_GAP = "   "  # between the description and the figures
CONTINUATION = "  "  # a wrapped description's next lines start indented
CHUNK = 10  # invoice lines per preformatted block
MIN_DESCRIPTION = 24  # characters: the description's column never gets narrower
# DejaVu Sans Mono's advance is 1233/2048 em (most monospaced fonts' is 0.6 em).
MONO_ADVANCE_EM = 1233 / 2048
FONT_PT = 7.5  # the lines' font size, points (the stylesheet says the same)
PAGE_WIDTH_MM = {PaperSize.A4: 210, PaperSize.LETTER: 215.9}
MARGIN_MM = 16  # left and right page margins (the stylesheet's @page says the same)
# A description that textwrap would give back unchanged as one line: no whitespace but
# single inner spaces (it turns tabs and newlines into spaces and drops outer whitespace).
_ONE_LINE = re.compile(r"\S+(?: +\S+)*|")


def characters_per_line(paper: str) -> int:
    """How many monospaced characters fit across the page's content box."""
    width_pt = (PAGE_WIDTH_MM[paper] - 2 * MARGIN_MM) / 25.4 * 72
    return int(width_pt / (MONO_ADVANCE_EM * FONT_PT))


@dataclass(frozen=True)
class PrintedLines:
    head: str  # the columns' headings, padded like the rows
    rows: list[tuple[InvoiceLine, list[str]]]  # each invoice line with its printed lines
    width: int  # characters across the page

    @property
    def fits(self) -> bool:
        """Whether every printed line fits across the page (none is wider than the heading):
        then WeasyPrint need not look for where to wrap them (``white-space: pre``, ~4 % of
        a render); figures too wide for the page still wrap rather than overflow."""
        return len(self.head) <= self.width

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def text(self) -> str:
        """Every printed line, one per text line."""
        return "\n".join(printed for _line, lines in self.rows for printed in lines)

    @property
    def chunks(self) -> list[str]:
        """The printed lines of every ``CHUNK`` invoice lines, one text each: WeasyPrint lays
        out a block's lines each from the rest of its text (copied, encoded, measured), so
        one block of 200 lines costs ~twice as much as 20 blocks of 10."""
        return [
            "\n".join(printed for _line, lines in self.rows[i : i + CHUNK] for printed in lines)
            for i in range(0, len(self.rows), CHUNK)
        ]


def _without_year(date_format_: str) -> str | None:
    """The short date format without its year ("j M Y" -> "j M", "Y-m-d" -> "m-d"), or None
    when the year is not at either end."""
    stripped = re.sub(r"^[Yy][^A-Za-z]*|[^A-Za-z]*[Yy]$", "", date_format_)
    return stripped if stripped != date_format_ and not re.search("[Yy]", stripped) else None


def _dates(lines: Sequence[InvoiceLine]):
    """A period's dates, formatted once each (Django's date_format takes ~50 µs a call and a
    month's lines share few dates): a period within one year names it once, at its end
    ("1 Nov \u2013 30 Nov 2026"), so that the description gets the room."""
    short = get_format("SHORT_DATE_FORMAT")
    yearless = _without_year(short)
    cache: dict[tuple[dt.date, bool], str] = {}

    def formatted(day: dt.date, *, year: bool = True) -> str:
        key = (day, year or yearless is None)
        if key not in cache:
            cache[key] = date_format(day, short if key[1] else yearless)
        return cache[key]

    def period(line: InvoiceLine) -> str:
        start, end = line.supply_start, line.supply_end
        if not start:
            return ""
        if not end or end == start:
            return formatted(start)
        return f"{formatted(start, year=start.year != end.year)} \u2013 {formatted(end)}"

    return period


def _figures(currency: str, period):
    """A line's figures, each distinct amount and rate formatted once (a month's lines repeat
    few of them, and formatting one takes ~10 µs)."""
    amounts: dict[int, str] = {}
    rates: dict[object, str] = {}

    def amount(minor: int) -> str:
        if minor not in amounts:
            amounts[minor] = format_figure(minor, currency)
        return amounts[minor]

    def rate(tax_rate) -> str:
        if tax_rate not in rates:
            rates[tax_rate] = f"{floatformat(tax_rate, '-2')} %"
        return rates[tax_rate]

    def figures(line: InvoiceLine) -> list[str]:
        return [
            period(line),
            str(line.quantity),
            amount(line.net_minor),
            rate(line.tax_rate),
            amount(line.tax_minor),
            amount(line.gross_minor),
        ]

    return figures


def printed_lines(
    invoice: Invoice, lines: Sequence[InvoiceLine], *, width: int | None = None
) -> PrintedLines:
    """The lines in aligned columns, ``width`` characters wide at most (A4's by default,
    unless the figures alone need more): the description and the period left-aligned,
    numbers right-aligned, each figure's column as wide as its widest entry or heading, the
    description's the rest. When every line has one tax rate, the rate is said once, in the
    tax column's heading ("Tax 20 %"), and the description gets the room (the totals say it
    again per rate)."""
    width = width or characters_per_line(PaperSize.A4)
    rates = {line.tax_rate for line in lines}
    period = _dates(lines)
    figures = _figures(invoice.currency, period)
    table = [figures(line) for line in lines]
    heads = [_("Supply period"), _("Qty"), _("Net"), _("Tax rate"), _("Tax"), _("Gross")]
    if len(rates) == 1:
        (rate,) = rates
        heads[4] = _("Tax %(rate)s %%") % {"rate": floatformat(rate, "-2")}
        del heads[3]
        for row in table:
            del row[3]
    widths = [max([len(head)] + [len(row[i]) for row in table]) for i, head in enumerate(heads)]
    figures_width = sum(widths) + len(GAP) * (len(widths) - 1)
    described = max(MIN_DESCRIPTION, width - figures_width - len(DESCRIPTION_GAP))

    def padded(description: str, cells: list[str]) -> str:
        first, *numbers = cells
        return DESCRIPTION_GAP.join(
            [
                description.ljust(described),
                GAP.join(
                    [first.ljust(widths[0])]
                    + [cell.rjust(w) for cell, w in zip(numbers, widths[1:], strict=True)]
                ),
            ]
        )

    def printed(line: InvoiceLine, figures: list[str]) -> list[str]:
        description = line.description
        if len(description) <= described and _ONE_LINE.fullmatch(description):
            return [padded(description, figures)]  # as textwrap would, ~20 µs sooner
        first, *more = textwrap.wrap(
            description,
            described,
            subsequent_indent=CONTINUATION,
            break_on_hyphens=False,
        ) or [""]
        return [padded(first, figures), *more]

    return PrintedLines(
        head=padded(_("Description"), heads),
        width=width,
        rows=[(line, printed(line, row)) for line, row in zip(lines, table, strict=True)],
    )
