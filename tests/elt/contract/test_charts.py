"""A dashboard's charts, as a domain declares them."""

from __future__ import annotations

import pytest

from include.elt.contract.charts import CHART_KINDS, Chart, DashboardError

LINE = dict(
    name="daily", title="Daily", kind="line", x="day", y="n", x_label="Day", y_label="N", window="w"
)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"kind": "pie"}, f"kind must be one of {', '.join(CHART_KINDS)}"),
        ({"name": "Daily Sessions"}, "the name must be a plain lowercase word"),
        ({"kind": "barh", "series": "plan"}, "a barh chart has one series"),
    ],
)
def test_a_wrong_chart_is_refused_naming_it(changed, message):
    with pytest.raises(DashboardError, match=message):
        Chart(**{**LINE, **changed})


def test_a_value_is_shown_as_the_chart_formats_it_and_a_missing_one_as_a_dash():
    chart = Chart(**LINE, value_format="${:,.0f}")
    assert chart.formatted(1234.5) == "$1,234"
    assert chart.formatted(None) == chart.formatted(float("nan")) == "–"
