"""A static dashboard per domain: charts of its gold on one self-contained HTML page.

A domain lists its charts (:class:`Chart`) in the module its ``dashboard`` names. Each chart
reads gold through one query, ``<sql_dir>/dashboard/<chart name>.sql``, a template like a
model's (``{{ published('top_content') }}``) that aggregates in SQL to the few rows the chart
shows. Besides the chart's columns it returns ``first_day`` and ``last_day``, the days of data
the chart shows, the same on every row: the caption under the chart names them and the run
that published them. ``publish`` draws the page while it still holds the domain, so no other
run's rows can slip in between.

The page loads nothing: the charts are inline SVG drawn by :mod:`.svg` (text as
glyph outlines of the font matplotlib ships), the styles are inline, and there is no script.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from include.elt.contract.charts import CHART_KINDS, Chart, DashboardError
from include.elt.contract.domain import Domain
from include.elt.contract.models import Scope, render_text
from include.elt.core.days import Days
from include.elt.files import storage
from include.elt.stages.report.svg import ChartData, svg
from include.elt.warehouse.connection import transaction

FILE_NAME = "dashboard.html"
WINDOW_COLUMNS = ("first_day", "last_day")
# A chart shows an aggregate; a query returning more rows than this reads too much of gold.
MAX_ROWS = 1000


def query_path(domain: Domain, chart: Chart) -> Path:
    return domain.sql_dir / "dashboard" / f"{chart.name}.sql"


def read_chart(cur, domain: Domain, chart: Chart) -> ChartData:
    """Run a chart's query; its rows must carry the chart's columns and one data window."""
    path = query_path(domain, chart)
    if not path.is_file():
        raise DashboardError(f"{domain.name} chart {chart.name!r}: no query at {path}")
    text = render_text(
        domain, path.read_text(), Scope(), lambda c: c.as_string(cur), where=str(path)
    )
    cur.execute(text)
    columns = tuple(d.name for d in cur.description)
    needed = [chart.x, chart.y, *([chart.series] if chart.series else []), *WINDOW_COLUMNS]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise DashboardError(
            f"{path}: returns no column {', '.join(missing)} (a chart's query returns its"
            f" x, y and series columns, and first_day, last_day: the days of data it shows)"
        )
    rows = tuple(cur.fetchmany(MAX_ROWS + 1))
    if len(rows) > MAX_ROWS:
        raise DashboardError(
            f"{path}: returns more than {MAX_ROWS} rows; aggregate in SQL to what the chart shows"
        )
    first, last = (columns.index(c) for c in WINDOW_COLUMNS)
    windows = {(row[first], row[last]) for row in rows}
    if len(windows) > 1:
        raise DashboardError(f"{path}: first_day and last_day differ between rows: {windows}")
    first, last = windows.pop() if windows else (None, None)
    return ChartData(columns, rows, Days(first, last) if first else None)


def render_dashboard(url: str, domain: Domain, run_id: str, target: storage.Location) -> int:
    """Draw the domain's dashboard from gold into ``target`` (a file or an object, replaced
    whole); the number of charts. A domain without charts has no dashboard: ``target`` is
    removed if there."""
    charts = domain.charts()
    if not charts:
        target.unlink(missing_ok=True)
        return 0
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute("set transaction isolation level repeatable read, read only")
        shown = [(chart, read_chart(cur, domain, chart)) for chart in charts]
    page = dashboard_page(domain.name, run_id, datetime.now(UTC), shown)
    with storage.replacing(target) as f:
        f.write(page.encode("utf-8"))
    return len(charts)


def caption(run_id: str, chart: Chart, data: ChartData) -> str:
    """The line under a chart: the run that published it and the days of data it shows."""
    if data.days is None:
        return f"Run {run_id} · no data in gold yet"
    return f"Run {run_id} · data {data.days} ({chart.window})"


def dashboard_page(
    domain_name: str,
    run_id: str,
    published_at: datetime,
    charts: Sequence[tuple[Chart, ChartData]],
) -> str:
    figures = "\n".join(_figure(chart, data, run_id) for chart, data in charts)
    e = html.escape
    title = f"{domain_name} · gold dashboard"
    stamp = published_at.isoformat(timespec="seconds")
    shown = published_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>{e(title)}</h1>
<p class="meta">Published by run <code>{e(run_id)}</code> at
<time datetime="{stamp}">{shown}</time> · read from the published gold relations ·
<a href="./">CSV reports</a> ·
<a href="../../dashboards/">all dashboards</a></p>
</header>
<main>
{figures}
</main>
</body>
</html>
"""


def _figure(chart: Chart, data: ChartData, run_id: str) -> str:
    e = html.escape
    element_id = f"chart-{chart.name}"
    alt = _alt_text(chart, data)
    if data.rows:
        picture = svg(chart, data, id_prefix=f"{chart.name}-", alt=alt)
    else:
        picture = '<p class="empty">No rows in gold yet.</p>'
    note = f'<p class="note">{e(chart.note)}</p>' if chart.note else ""
    return f"""<figure id="{element_id}" class="chart">
<h2>{e(chart.title)}</h2>
{picture}
<figcaption><p class="caption">{e(caption(run_id, chart, data))}</p>{note}</figcaption>
{_table(chart, data)}
</figure>"""


def _alt_text(chart: Chart, data: ChartData) -> str:
    """What the chart shows, in words: its kind, measure, extent and biggest value."""
    what = f"{CHART_KINDS[chart.kind]}: {chart.y_label} by {chart.x_label.lower()}"
    if chart.series:
        what += f" and {(chart.series_label or chart.series).lower()}"
    if not data.rows:
        return f"{what}; no data."
    values = data.column(chart.y)
    top = max(range(len(values)), key=lambda i: values[i] if values[i] is not None else 0)
    x = data.column(chart.x)
    if chart.kind == "line":
        extent = f"{min(x)} to {max(x)}"
    else:
        extent = f"{len(x)} {'value' if chart.series else 'bar'}{'s' if len(x) != 1 else ''}"
    label = x[top] if not chart.series else f"{x[top]}, {data.column(chart.series)[top]}"
    return f"{what}; {extent}; highest: {label} ({chart.formatted(values[top])})."


def _table(chart: Chart, data: ChartData) -> str:
    """The chart's numbers as a table, folded away: for screen readers and for copying."""
    if not data.rows:
        return ""
    e = html.escape
    columns = [(chart.x, chart.x_label)]
    if chart.series:
        columns.append((chart.series, chart.series_label or chart.series))
    heads = "".join(f"<th>{e(label)}</th>" for _, label in columns)
    body = []
    for row in zip(*(data.column(c) for c, _ in columns), data.column(chart.y), strict=True):
        cells = "".join(f"<td>{e(str(v))}</td>" for v in row[:-1])
        body.append(f'<tr>{cells}<td class="number">{e(chart.formatted(row[-1]))}</td></tr>')
    rows = f"{len(data.rows)} row{'s' if len(data.rows) != 1 else ''}"
    return f"""<details><summary>Data ({rows})</summary>
<table><thead><tr>{heads}<th>{e(chart.y_label)}</th></tr></thead>
<tbody>{"".join(body)}</tbody></table></details>"""


_STYLE = """
:root { color-scheme: light; --ink: #1f2933; --muted: #52606d; --line: #e4e7eb; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
header { padding: 20px 28px 8px; }
h1 { margin: 0 0 4px; font-size: 24px; font-weight: 650; }
.meta { margin: 0; color: var(--muted); }
.meta a { color: #2f5fb3; }
main { display: grid; gap: 20px; padding: 16px 28px 32px;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); }
figure.chart { margin: 0; padding: 16px 18px 12px; background: #fff; border: 1px solid var(--line);
  border-radius: 8px; box-shadow: 0 1px 2px rgba(31, 41, 51, 0.06); min-width: 0; }
h2 { margin: 0 0 8px; font-size: 17px; font-weight: 600; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { margin-top: 6px; color: var(--muted); font-size: 13px; }
figcaption p { margin: 2px 0; }
.caption { font-variant-numeric: tabular-nums; }
.empty { padding: 40px 0; text-align: center; color: var(--muted); }
details { margin-top: 8px; font-size: 13px; }
summary { cursor: pointer; color: var(--muted); }
table { border-collapse: collapse; margin-top: 6px; width: 100%; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.95em; }
"""
