"""Draw one dashboard chart as inline SVG, with matplotlib (imported when a chart is drawn, not
with this module).

The SVG is made to sit inside an HTML page beside others: no XML prolog, no fixed size (the
page's CSS scales it), every id prefixed with the chart's name so no two charts share one,
``href`` rather than the xlink namespace, a ``<title>`` naming what it shows, and text drawn as
glyph outlines of the font matplotlib ships (DejaVu Sans), so it looks the same everywhere with
no font to fetch. Database text is never read as mathtext (a title with two ``$`` stays text).
"""

from __future__ import annotations

import html
import io
import itertools
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from include.elt.contract.charts import Chart, DashboardError
from include.elt.core.days import Days


@dataclass(frozen=True)
class ChartData:
    """What a chart's query returned: its rows, and the days of data they show."""

    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    days: Days | None  # None: the query found no rows

    def column(self, name: str) -> list:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


# Observable's categorical palette (colour-blind aware); the first colour is the single series'.
PALETTE = (
    "#4269d0",
    "#efb118",
    "#ff725c",
    "#6cc5b0",
    "#3ca951",
    "#ff8ab7",
    "#a463f2",
    "#97bbf5",
    "#9c6b4e",
    "#9498a0",
)
INK, MUTED, AXIS, GRID = "#1f2933", "#52606d", "#9aa5b1", "#e4e7eb"
WIDTH_INCHES = 7.2
# Category labels longer than this lose their middle (the data table has them whole): their end
# tells apart two that begin alike.
LABEL_CHARS, LABEL_TAIL = 42, 16
_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.color": INK,
    "text.parse_math": False,
    "axes.edgecolor": AXIS,
    "axes.labelcolor": MUTED,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "grid.color": GRID,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "svg.fonttype": "path",
}
# No RDF block: it would name creativecommons.org and purl.org, and dates change every render.
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


def pivot(chart: Chart, data: ChartData) -> tuple[list, list[str], list[list[float]]]:
    """(categories, series names, values per series and category), in the order the query
    returned them (a line's days in order). Without series each row is a bar, even where two
    share a label; with series a category a series lacks is NaN (no bar, a gap in a line)."""
    xs = data.column(chart.x)
    ys = [math.nan if y is None else float(Decimal(y)) for y in data.column(chart.y)]
    if not chart.series:
        return xs, [""], [ys]
    names = [str(s) for s in data.column(chart.series)]
    categories = list(dict.fromkeys(xs))
    if chart.kind == "line":
        categories.sort()
    series = list(dict.fromkeys(names))
    values = [[math.nan] * len(categories) for _ in series]
    where_x = {c: i for i, c in enumerate(categories)}
    where_s = {s: i for i, s in enumerate(series)}
    for x, name, y in zip(xs, names, ys, strict=True):
        row, column = where_s[name], where_x[x]
        if not math.isnan(values[row][column]):
            raise DashboardError(f"chart {chart.name!r}: two rows for {chart.x} {x}, {name}")
        values[row][column] = y
    return categories, series, values


def svg(chart: Chart, data: ChartData, *, id_prefix: str, alt: str) -> str:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    categories, names, values = pivot(chart, data)
    value_axis = FuncFormatter(lambda v, _: (chart.axis_format or chart.value_format).format(v))
    with matplotlib.rc_context({**_RC, "svg.hashsalt": id_prefix}):
        fig = Figure(figsize=(WIDTH_INCHES, _height(chart, categories)), layout="constrained")
        ax = fig.subplots()
        _DRAW[chart.kind](ax, chart, categories, names, values)
        value_ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])
        if chart.kind == "barh":
            ax.xaxis.set_major_locator(value_ticks)
            ax.xaxis.set_major_formatter(value_axis)
            ax.set_xlabel(chart.y_label)
            ax.grid(axis="x")
        else:
            ax.yaxis.set_major_locator(value_ticks)
            ax.yaxis.set_major_formatter(value_axis)
            ax.set_ylabel(chart.y_label)
            ax.set_xlabel(chart.x_label)
            ax.grid(axis="y")
        ax.set_axisbelow(True)
        ax.tick_params(length=0 if chart.kind != "line" else 3.5)
        if len(names) > 1:
            fig.legend(
                loc="outside upper left",
                ncols=min(len(names), 6),
                title=chart.series_label or None,
                alignment="left",
            )
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata=_NO_METADATA)
    return inline(buffer.getvalue(), id_prefix, alt)


def _height(chart: Chart, categories: list) -> float:
    if chart.kind == "barh":  # bars of one thickness, however many
        return 0.3 * len(categories) + 1.1
    return 4.0


def _barh(ax, chart: Chart, categories, names, values) -> None:
    positions = range(len(categories))
    bars = ax.barh(positions, values[0], height=0.7, color=_colours(chart, names)[0])
    ax.set_yticks(positions, [_short(c) for c in categories])
    ax.invert_yaxis()  # the query's first row on top
    ax.bar_label(bars, [chart.formatted(v) for v in values[0]], padding=3, fontsize=9, color=MUTED)
    ax.margins(x=0.14)  # room for the value labels


def _bar(ax, chart: Chart, categories, names, values) -> None:
    positions = range(len(categories))
    width = 0.8 / len(names)
    colours = _colours(chart, names)
    for i, (name, row) in enumerate(zip(names, values, strict=True)):
        offset = (i - (len(names) - 1) / 2) * width
        bars = ax.bar(
            [p + offset for p in positions], row, width * 0.92, label=name, color=colours[i]
        )
        if len(names) == 1:
            labels = [chart.formatted(v) for v in row]
            ax.bar_label(bars, labels, padding=3, fontsize=9, color=MUTED)
    ax.set_xticks(positions, [_short(c) for c in categories])
    ax.margins(y=0.12)


def _stacked(ax, chart: Chart, categories, names, values) -> None:
    positions = range(len(categories))
    bottom = [0.0] * len(categories)
    for name, row, colour in zip(names, values, _colours(chart, names), strict=True):
        heights = [0.0 if math.isnan(v) else v for v in row]
        ax.bar(positions, heights, 0.7, bottom=bottom, label=name, color=colour)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_xticks(positions, [_short(c) for c in categories])


def _line(ax, chart: Chart, categories, names, values) -> None:
    from matplotlib.dates import AutoDateLocator, num2date
    from matplotlib.ticker import FuncFormatter

    marker = "o" if len(categories) <= 31 else None
    for name, row, colour in zip(names, values, _colours(chart, names), strict=True):
        ax.plot(categories, row, label=name, color=colour, linewidth=2, marker=marker, ms=3.5)
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _day(num2date(v))))
    ax.set_ylim(bottom=0)
    ax.margins(x=0.02)


_DRAW = {"barh": _barh, "bar": _bar, "stacked": _stacked, "line": _line}


def _colours(chart: Chart, names: list[str]) -> list[str]:
    """A colour per series: the chart's own for the names it gives, the palette's in turn for
    the others."""
    free = itertools.cycle([c for c in PALETTE if c not in chart.colours.values()] or PALETTE)
    return [chart.colours.get(name) or next(free) for name in names]


def _day(moment) -> str:
    """``Nov 8``: the caption under the chart gives the years."""
    return f"{moment:%b} {moment.day}"


def _short(value) -> str:
    text = str(value)
    if len(text) <= LABEL_CHARS:
        return text
    return text[: LABEL_CHARS - LABEL_TAIL - 1].rstrip() + "…" + text[-LABEL_TAIL:]


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_ROOT = re.compile(r"<svg\b[^>]*>")


def inline(document: str, id_prefix: str, alt: str) -> str:
    """An SVG document made into an element of an HTML page (see the module's docstring)."""
    body = _PROLOG.sub("", document, count=1)
    body = re.sub(r'\bid="([^"]+)"', rf'id="{id_prefix}\1"', body)
    body = re.sub(r'xlink:href="#([^"]+)"', rf'href="#{id_prefix}\1"', body)
    body = re.sub(r"url\(#([^)]+)\)", rf"url(#{id_prefix}\1)", body)
    body = body.replace('<style type="text/css">*{', '<style type="text/css">svg *{')
    view_box = re.search(r'viewBox="([^"]+)"', _ROOT.search(body).group(0)).group(1)
    title_id = f"{id_prefix}title"
    root = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}" role="img"'
        f' aria-labelledby="{title_id}">\n<title id="{title_id}">{html.escape(alt)}</title>'
    )
    return _ROOT.sub(lambda _: root, body, count=1).strip()  # root holds data: no escapes
