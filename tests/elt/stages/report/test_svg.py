"""A chart's rows as series, drawn as SVG that sits in a page beside other charts."""

from __future__ import annotations

import math
from datetime import date

import pytest

from include.elt.contract.charts import DashboardError
from include.elt.contract.domain import load_domain
from include.elt.core.days import Days
from include.elt.stages.report.svg import ChartData, inline, pivot, svg

# the streaming dashboard's sessions a day, a line per plan
BY_PLAN = next(c for c in load_domain("streaming").charts() if c.series)
DAY = Days.day(date(2026, 3, 1))


def _data(*rows) -> ChartData:
    return ChartData((BY_PLAN.x, BY_PLAN.series, BY_PLAN.y), rows, DAY)


def test_a_series_lacking_a_category_has_no_value_there():
    categories, series, values = pivot(BY_PLAN, _data(("mon", "basic", 1), ("tue", "pro", 2)))
    assert (categories, series) == (["mon", "tue"], ["basic", "pro"])
    assert values[0][0] == 1 and math.isnan(values[0][1]) and values[1][1] == 2


def test_two_rows_for_one_bar_are_refused():
    with pytest.raises(DashboardError, match=f"two rows for {BY_PLAN.x} mon, basic"):
        pivot(BY_PLAN, _data(("mon", "basic", 1), ("mon", "basic", 2)))


def test_every_id_of_a_chart_is_its_own():
    document = (
        '<?xml version="1.0"?>\n<svg viewBox="0 0 1 1"><g id="a"/><use xlink:href="#a"/></svg>'
    )
    element = inline(document, "plan-", "a chart")
    assert element.startswith("<svg") and 'id="plan-a"' in element and 'href="#plan-a"' in element
    assert '<title id="plan-title">a chart</title>' in element


def test_a_drawn_chart_is_inline_svg_with_its_title():
    drawn = svg(BY_PLAN, _data(("mon", "basic", 1), ("mon", "pro", 2)), id_prefix="p-", alt="x")
    assert (
        drawn.startswith("<svg") and "<?xml" not in drawn and 'aria-labelledby="p-title"' in drawn
    )
