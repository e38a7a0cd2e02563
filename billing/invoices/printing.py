"""The invoice's lines as they are printed in its PDF.

WeasyPrint's cost is per box and per text fragment (~0.2 ms each, however short the text),
and a table costs most: a 200-line invoice drawn as seven cells per line took ~1.2 s, as two
cells per line still ~0.5 s. So on paper the lines are no table at all but one preformatted
block in a monospaced font, a statement: each invoice line is one printed line, its
description then its figures (supply period, quantity, net, tax rate, tax, gross), every
column padded to its widest entry so that the columns line up under a heading padded the
same way. A description too long for its column wraps onto continuation lines (indented),
never cut. The block is laid out as ~200 line boxes of one element (~0.15 s for 200 lines).
The page keeps its seven-column table (it reflows on a phone); both come from the same
template and partial.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..money import format_figure
from .models import Invoice, InvoiceLine, PaperSize

GAP = "  "  # between two figures
DESCRIPTION_GAP = "   "  # between the description and the figures
CONTINUATION = "  "  # a wrapped description's next lines start indented
MIN_DESCRIPTION = 24  # characters: the description's column never gets narrower
# DejaVu Sans Mono's advance is 1233/2048 em (most monospaced fonts' is 0.6 em).
MONO_ADVANCE_EM = 1233 / 2048
FONT_PT = 8  # the lines' font size, points (the stylesheet says the same)
PAGE_WIDTH_MM = {PaperSize.A4: 210, PaperSize.LETTER: 215.9}
MARGIN_MM = 16  # left and right page margins (the stylesheet's @page says the same)


def characters_per_line(paper: str) -> int:
    """How many monospaced characters fit across the page's content box."""
    width_pt = (PAGE_WIDTH_MM[paper] - 2 * MARGIN_MM) / 25.4 * 72
    return int(width_pt / (MONO_ADVANCE_EM * FONT_PT))


@dataclass(frozen=True)
class PrintedLines:
    head: str  # the columns' headings, padded like the rows
    rows: list[tuple[InvoiceLine, list[str]]]  # each invoice line with its printed lines

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def text(self) -> str:
        """Every printed line, one per text line (the preformatted block's content)."""
        return "\n".join(printed for _line, lines in self.rows for printed in lines)


def _date(day: dt.date, dates: dict[dt.date, str]) -> str:
    # Django's date_format takes ~50 µs a call and a month's lines share few dates.
    if day not in dates:
        dates[day] = date_format(day, "SHORT_DATE_FORMAT")
    return dates[day]


def _period(line: InvoiceLine, dates: dict[dt.date, str]) -> str:
    if not line.supply_start:
        return ""
    start = _date(line.supply_start, dates)
    if not line.supply_end or line.supply_end == line.supply_start:
        return start
    return f"{start} \u2013 {_date(line.supply_end, dates)}"


def _figures(line: InvoiceLine, currency: str, dates: dict[dt.date, str]) -> list[str]:
    return [
        _period(line, dates),
        str(line.quantity),
        format_figure(line.net_minor, currency),
        f"{floatformat(line.tax_rate, '-2')} %",
        format_figure(line.tax_minor, currency),
        format_figure(line.gross_minor, currency),
    ]


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
    dates: dict[dt.date, str] = {}
    table = [_figures(line, invoice.currency, dates) for line in lines]
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
        first, *more = textwrap.wrap(
            line.description,
            described,
            subsequent_indent=CONTINUATION,
            break_on_hyphens=False,
        ) or [""]
        return [padded(first, figures), *more]

    return PrintedLines(
        head=padded(_("Description"), heads),
        rows=[(line, printed(line, row)) for line, row in zip(lines, table, strict=True)],
    )
