"""The invoice's lines as they are printed in its PDF.

WeasyPrint lays out every text fragment of a table cell on its own, at roughly a quarter of
a millisecond each however short the text: a 200-line invoice drawn as seven cells per line
(1,400 fragments) took ~1.2 s to render, and no stylesheet change brought it near the 500 ms
budget (fixed table layout saved ~20 %, the rest is per fragment). So on paper each line is
two cells: its description, and its figures (supply period, quantity, net, tax rate, tax,
gross) as one line of text in a monospaced font, each figure padded to its column's width,
so that the columns still line up, under a heading padded the same way. The page keeps its
seven-column table (it reflows on a phone); both come from the same template and partial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..money import format_figure
from .models import Invoice, InvoiceLine

GAP = "   "
# DejaVu Sans Mono's advance is 1233/2048 em (most monospaced fonts' is 0.6 em).
MONO_ADVANCE_EM = 0.602
FIGURES_PT = 8  # the figures' font size, points (the stylesheet says the same)
CELL_PADDING_PT = 8  # left and right padding of a cell


@dataclass(frozen=True)
class PrintedLines:
    head: str  # the figures' column headings, padded like the rows
    rows: list[tuple[InvoiceLine, str]]  # each line with its figures
    figures_width_pt: float  # the width of the figures' column

    @property
    def count(self) -> int:
        return len(self.rows)


def _period(line: InvoiceLine) -> str:
    if not line.supply_start:
        return ""
    start = date_format(line.supply_start, "SHORT_DATE_FORMAT")
    if not line.supply_end or line.supply_end == line.supply_start:
        return start
    return f"{start} \u2013 {date_format(line.supply_end, 'SHORT_DATE_FORMAT')}"


def _figures(line: InvoiceLine, currency: str) -> list[str]:
    return [
        _period(line),
        str(line.quantity),
        format_figure(line.net_minor, currency),
        f"{floatformat(line.tax_rate, '-2')} %",
        format_figure(line.tax_minor, currency),
        format_figure(line.gross_minor, currency),
    ]


def printed_lines(invoice: Invoice, lines: Sequence[InvoiceLine]) -> PrintedLines:
    """The lines' figures in aligned columns: the period left-aligned, numbers right-aligned,
    each column as wide as its widest entry or heading. When every line has one tax rate, the
    rate is said once, in the tax column's heading ("Tax 20 %"), and the description gets the
    room (the totals say it again per rate)."""
    rates = {line.tax_rate for line in lines}
    table = [_figures(line, invoice.currency) for line in lines]
    heads = [_("Supply period"), _("Qty"), _("Net"), _("Tax rate"), _("Tax"), _("Gross")]
    if len(rates) == 1:
        (rate,) = rates
        heads[4] = _("Tax %(rate)s %%") % {"rate": floatformat(rate, "-2")}
        del heads[3]
        for row in table:
            del row[3]
    widths = [max([len(head)] + [len(row[i]) for row in table]) for i, head in enumerate(heads)]

    def padded(cells: list[str]) -> str:
        first, *numbers = cells
        return GAP.join(
            [first.ljust(widths[0])]
            + [cell.rjust(width) for cell, width in zip(numbers, widths[1:], strict=True)]
        )

    chars = sum(widths) + len(GAP) * (len(widths) - 1)
    return PrintedLines(
        head=padded(heads),
        rows=[(line, padded(row)) for line, row in zip(lines, table, strict=True)],
        figures_width_pt=round(chars * MONO_ADVANCE_EM * FIGURES_PT + CELL_PADDING_PT + 1, 1),
    )
