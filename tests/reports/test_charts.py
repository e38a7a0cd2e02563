"""The charts' SVG shapes, written in Python: escaped like the template's variables were."""

from __future__ import annotations

from reports import charts


def test_row_shapes_are_escaped_and_labelled_on_the_left():
    chart = charts.rows("By country", [("Bosnia & <Herzegovina>", 1200, "12.00 USD")])
    shapes = str(chart.shapes)
    assert (
        '<rect class="bar-a" x="200" y="8.0" width="432.0" height="20">'
        "<title>Bosnia &amp; &lt;Herzegovina&gt;: 12.00 USD</title></rect>"
    ) in shapes
    assert '<text class="chart-label chart-label-left" x="192" y="22.0">Bosnia &amp;' in shapes
    assert "<line" not in shapes  # a row chart has no zero line


def test_column_shapes_hang_negative_values_below_the_zero_line():
    series = [("bar-b", "Margin", [100, -100], ["1", "-1"])]
    chart = charts.columns("Margin", ["Jan", "Feb"], series)
    shapes = str(chart.shapes)
    assert '<line class="chart-axis" x1="0" x2="640" y1="111.0" y2="111.0"/>' in shapes
    assert 'y="16.0" width="249.6" height="95.0"><title>Jan · Margin: 1</title>' in shapes
    assert 'y="111.0" width="249.6" height="95.0"><title>Feb · Margin: -1</title>' in shapes
    assert shapes.count('<text class="chart-label" ') == 2
