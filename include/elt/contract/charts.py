"""A domain's dashboard, as it declares it: its charts (``Domain.dashboard`` names them), each
reading gold through one query, ``<sql_dir>/dashboard/<chart name>.sql``; ``publish`` draws
them into the domain's dashboard page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

CHART_KINDS = {
    "barh": "Horizontal bar chart",
    "bar": "Bar chart",
    "stacked": "Stacked bar chart",
    "line": "Line chart",
}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class DashboardError(ValueError):
    """A chart's declaration or query is wrong; the message names the chart or its file."""


@dataclass(frozen=True)
class Chart:
    """One chart of a domain's dashboard.

    ``x`` holds the categories (bars, in the query's order) or the days (lines), ``y`` the
    values; ``series``, when set, splits them into bars side by side (``bar``), stacked bars
    (``stacked``) or lines, in the order they first appear. ``value_format`` formats a value
    (``"${:,.0f}"``) and, unless ``axis_format`` says otherwise, the value axis' ticks;
    ``colours`` gives series a colour of their own (a tier named gold drawn gold), the others
    take the palette's in turn; ``window`` says what the days of ``first_day``..``last_day``
    are.
    """

    name: str
    title: str
    kind: str
    x: str
    y: str
    x_label: str
    y_label: str
    window: str
    series: str | None = None
    series_label: str = ""
    value_format: str = "{:,.0f}"
    axis_format: str | None = None
    colours: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise DashboardError(
                f"chart {self.name!r}: kind must be one of {', '.join(CHART_KINDS)}"
            )
        if not _NAME.match(self.name):
            raise DashboardError(f"chart {self.name!r}: the name must be a plain lowercase word")
        if self.kind == "barh" and self.series:
            raise DashboardError(f"chart {self.name!r}: a barh chart has one series")

    def formatted(self, value: float | None) -> str:
        if value is None or value != value:  # null, or NaN
            return "–"
        return self.value_format.format(value)
