"""The gold dashboards on a real warehouse: ``publish`` draws one SVG per declared chart, each
captioned with the run and the days of gold it shows, its numbers gold's, loading nothing."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from include.elt import pipeline
from include.elt.contract.charts import Chart, DashboardError
from include.elt.contract.domain import domain_names, load_domain
from include.elt.core.days import Days
from include.elt.stages.report.dashboard import (
    FILE_NAME,
    MAX_ROWS,
    caption,
    dashboard_page,
    query_path,
    read_chart,
    render_dashboard,
)
from include.elt.stages.report.svg import ChartData
from include.elt.warehouse.connection import transaction
from tests.conftest import new_warehouse, superuser
from tests.helpers import qualified, query, run_context

RUNS = {  # domain -> (window, seed)
    "streaming": (Days(date(2026, 5, 1), date(2026, 5, 7)), 42),
    "ecommerce": (Days.ending(date(2025, 11, 15), 14), 11),
}
DAILY_USAGE = qualified("streaming", "gold", "daily_usage")
TOP_CONTENT = qualified("streaming", "gold", "top_content")
DAILY_SALES = qualified("ecommerce", "gold", "daily_sales")
CAMPAIGN_PERFORMANCE = qualified("ecommerce", "gold", "campaign_performance")
CUSTOMER_360 = qualified("ecommerce", "gold", "customer_360")
PRODUCT_FEATURES = qualified("ecommerce", "gold", "product_features")
USAGE_DAYS = f"select min(usage_date), max(usage_date) from {DAILY_USAGE}"
ORDER_DAYS = f"select min(order_day), max(order_day) from {DAILY_SALES}"
LINE_DAYS = 180  # a line of every day shows the last this many
LAST_USAGE_DAYS = (
    f"select greatest(min(usage_date), max(usage_date) - {LINE_DAYS - 1}), max(usage_date)"
    f" from {DAILY_USAGE}"
)
LAST_ORDER_DAYS = (
    f"select greatest(min(order_day), max(order_day) - {LINE_DAYS - 1}), max(order_day)"
    f" from {DAILY_SALES}"
)
# chart -> the days of gold it shows, by the test's own query
WINDOWS = {
    "top_content": USAGE_DAYS,
    "sessions_by_plan_device": USAGE_DAYS,
    "completion_by_plan_device": USAGE_DAYS,
    "daily_sessions": LAST_USAGE_DAYS,
    "daily_sales": LAST_ORDER_DAYS,
    "campaign_roi": "select min(first_event_at)::date, max(last_event_at)::date from (select *"
    f" from {CAMPAIGN_PERFORMANCE} where cost > 0 order by cost desc, campaign_id limit 12) as c",
    "customer_segments": f"select min(signup_date), max(signup_date) from {CUSTOMER_360}",
    "top_products": ORDER_DAYS,
}
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, pipeline.RunContext]:
    """Each domain's first run, tiny, on one warehouse."""
    return first_runs(tmp_path_factory, "dashboard", RUNS)


def first_runs(tmp_path_factory, label: str, runs: dict) -> dict[str, pipeline.RunContext]:
    """The first run of each domain of ``runs`` ({domain: (window, seed)}), tiny, on a new
    warehouse."""
    url, data_dir = new_warehouse(), tmp_path_factory.mktemp(label) / "data"
    done = {}
    for name, (window, seed) in runs.items():
        ctx = run_context(url, data_dir, f"{label}-{name}", window, domain=name, seed=seed)
        pipeline.run(ctx)
        done[name] = ctx
    return done


class Figures(HTMLParser):
    """Each <figure> of a page: its id, its SVGs (and their <title>), its caption line and the
    cells of its data table, as text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self._open: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self._open.append(tag)
        attrs = dict(attrs)
        if tag == "figure":
            self.figures.append({"id": attrs["id"], "svgs": 0, "titles": [], "caption": ""})
            self.figures[-1]["rows"] = []
        elif tag == "svg":
            self.figures[-1]["svgs"] += 1
        elif tag == "tr" and "tbody" in self._open:
            self.figures[-1]["rows"].append([])
        elif tag == "td":
            self.figures[-1]["rows"][-1].append("")

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.figures or "figure" not in self._open:
            return
        figure, inner = self.figures[-1], self._open[-1]
        if inner == "title" and "svg" in self._open:
            figure["titles"].append(data)
        elif inner == "p" and "figcaption" in self._open and not figure["caption"]:
            figure["caption"] = data
        elif inner == "td":
            figure["rows"][-1][-1] += data


def figures(ctx: pipeline.RunContext) -> dict[str, dict]:
    page = (ctx.reports_dir / FILE_NAME).read_text()
    return {f["id"].removeprefix("chart-"): f for f in Figures(page).figures}


def number(shown: str) -> float:
    """A value as the page shows it ($1,234.50, 31.6×, 88%), back to a number."""
    return float(re.sub(r"[$,×%]", "", shown))


@pytest.mark.parametrize("domain_name", RUNS)
def test_publish_draws_one_svg_per_declared_chart(runs, domain_name):
    ctx = runs[domain_name]
    charts = load_domain(domain_name).charts()
    assert len(charts) >= 4
    shown = figures(ctx)
    assert list(shown) == [c.name for c in charts]
    for chart in charts:
        figure = shown[chart.name]
        assert figure["svgs"] == 1, chart.name
        assert len(figure["titles"]) == 1 and chart.y_label in figure["titles"][0], chart.name
        assert figure["rows"], f"{chart.name} shows no rows"
    (detail,) = query(
        superuser(ctx),
        "select detail from audit.task_runs where run_id = %s and task = 'publish'",
        [ctx.run_id],
    )[0]
    assert f"a dashboard of {len(charts)} charts at {ctx.reports_dir / FILE_NAME}" in detail


@pytest.mark.parametrize("domain_name", RUNS)
def test_each_caption_names_the_run_and_the_days_of_gold_it_shows(runs, domain_name):
    ctx = runs[domain_name]
    shown = figures(ctx)
    for chart in load_domain(domain_name).charts():
        ((first, last),) = query(superuser(ctx), WINDOWS[chart.name])
        assert first is not None and first <= last, chart.name
        expected = f"Run {ctx.run_id} · data {first}..{last} ({chart.window})"
        assert shown[chart.name]["caption"] == expected


def test_the_streaming_charts_show_gold_numbers(runs):
    ctx = runs["streaming"]
    url, shown = superuser(ctx), figures(ctx)
    top = query(
        url,
        f"select title, genre, total_watch_hours::float from {TOP_CONTENT}"
        " order by total_watch_hours desc, content_id limit 15",
    )
    rows = shown["top_content"]["rows"]
    assert rows[0][0].startswith(f"{top[0][0]} · {top[0][1]}")
    assert [number(hours) for _, hours in rows] == [round(h, 1) for _, _, h in top]
    ((sessions, days),) = query(
        url, f"select sum(count_sessions), count(distinct usage_date) from {DAILY_USAGE}"
    )
    assert sum(number(r[-1]) for r in shown["daily_sessions"]["rows"]) == sessions
    assert len(shown["daily_sessions"]["rows"]) == days * 3  # every plan every day
    assert sum(number(r[-1]) for r in shown["sessions_by_plan_device"]["rows"]) == sessions
    plans = [r[0] for r in shown["sessions_by_plan_device"]["rows"]]
    assert list(dict.fromkeys(plans)) == ["Basic", "Standard", "Premium"]


def test_the_ecommerce_charts_show_gold_numbers(runs):
    ctx = runs["ecommerce"]
    url, shown = superuser(ctx), figures(ctx)
    ((revenue,),) = query(url, f"select sum(revenue)::float from {DAILY_SALES}")
    shown_revenue = sum(number(r[-1]) for r in shown["daily_sales"]["rows"])
    assert shown_revenue == pytest.approx(revenue, abs=0.005)
    ((customers,),) = query(url, f"select count(*) from {CUSTOMER_360}")
    assert sum(number(r[-1]) for r in shown["customer_segments"]["rows"]) == customers
    ((best, best_revenue),) = query(
        url,
        f"select product_id, revenue::float from {PRODUCT_FEATURES}"
        " order by revenue desc, product_id limit 1",
    )
    first = shown["top_products"]["rows"][0]
    assert first[0].startswith(best) and number(first[1]) == round(best_revenue)
    roas = query(
        url,
        f"select roas::float from (select * from {CAMPAIGN_PERFORMANCE} where cost > 0"
        " order by cost desc, campaign_id limit 12) as biggest order by roas desc",
    )
    assert [number(r[1]) for r in shown["campaign_roi"]["rows"]] == [round(r, 1) for (r,) in roas]


@pytest.fixture(scope="module")
def long_runs(tmp_path_factory) -> dict[str, pipeline.RunContext]:
    """Each domain's first run over 400 days, tiny: more days of gold than a line of every day
    could show within the dashboard's row limit (three series)."""
    window = Days.ending(date(2026, 5, 7), 400)
    return first_runs(tmp_path_factory, "long", {name: (window, 42) for name in RUNS})


@pytest.mark.parametrize(
    ("domain_name", "chart", "shown_days", "held"),
    [
        (
            "streaming",
            "daily_sessions",
            LAST_USAGE_DAYS,
            f"select count(distinct plan_name), count(distinct usage_date) from {DAILY_USAGE}",
        ),
        (
            "ecommerce",
            "daily_sales",
            LAST_ORDER_DAYS,
            f"select count(distinct status), count(distinct order_day) from {DAILY_SALES}",
        ),
    ],
)
def test_a_long_history_draws_the_daily_lines_last_180_days(
    long_runs, domain_name, chart, shown_days, held
):
    """Gold of more than a year (a year of daily runs gets there) still publishes: the line
    and its table show each series on each of the last 180 days."""
    ctx = long_runs[domain_name]
    url, figure = superuser(ctx), figures(ctx)[chart]
    ((lines, days),) = query(url, held)
    assert days * lines > MAX_ROWS  # a line of every day held would not fit
    ((first, last),) = query(url, shown_days)
    assert (last - first).days == LINE_DAYS - 1
    assert len(figure["rows"]) == LINE_DAYS * lines
    assert figure["caption"].startswith(f"Run {ctx.run_id} · data {first}..{last} (the last 180")


@pytest.mark.parametrize("domain_name", RUNS)
def test_the_page_loads_nothing(runs, domain_name):
    page = (runs[domain_name].reports_dir / FILE_NAME).read_text()
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) == {SVG_NAMESPACE}
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b|@import", page, re.I)
    assert {ref[0] for ref in re.findall(r"url\(\s*['\"]?(.)", page)} <= {"#"}
    assert not re.search(r"\b(xlink:)?href=\"(?!#|\./|\.\./)", page)


def test_a_domain_without_charts_has_no_dashboard(runs, tmp_path):
    bare = dataclasses.replace(load_domain("streaming"), dashboard=None)
    stale = tmp_path / FILE_NAME
    stale.write_text("a dashboard from when the domain had charts")
    assert render_dashboard(runs["streaming"].url("publish"), bare, "r1", stale) == 0
    assert not stale.exists()


def test_every_chart_has_its_query_and_every_query_a_chart():
    for name in domain_names():
        domain = load_domain(name)
        charts = domain.charts()
        names = [c.name for c in charts]
        assert len(set(names)) == len(names), name
        queries = {p.stem for p in (domain.sql_dir / "dashboard").glob("*.sql")}
        assert queries == set(names), name
        assert all(query_path(domain, c).is_file() for c in charts)


def test_database_text_is_escaped_and_never_read_as_mathtext():
    hostile = "<script>alert(1)</script> --> $\\frac{1}{ $ &"
    chart = Chart(
        name="hostile",
        title="Titles",
        kind="barh",
        x="label",
        y="value",
        x_label="Title",
        y_label="Hours",
        window="days",
    )
    data = ChartData(
        ("label", "value", "first_day", "last_day"),
        ((hostile, 3, date(2026, 1, 1), date(2026, 1, 2)),),
        Days(date(2026, 1, 1), date(2026, 1, 2)),
    )
    page = dashboard_page("toy", "<run>", datetime(2026, 1, 3, tzinfo=UTC), [(chart, data)])
    assert "<script" not in page and "<run>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    (figure,) = Figures(page).figures
    assert figure["rows"] == [[hostile, "3"]]
    assert figure["svgs"] == 1 and hostile in figure["titles"][0]


def test_a_chart_query_must_return_its_window_and_few_rows(runs, tmp_path):
    domain = dataclasses.replace(load_domain("streaming"), sql_root=tmp_path)
    chart = Chart(
        name="bad", title="Bad", kind="bar", x="x", y="y", x_label="X", y_label="Y", window="days"
    )
    path = query_path(domain, chart)
    path.parent.mkdir(parents=True)
    url = runs["streaming"].url("publish")
    cases = {
        "select 1 as x, 2 as y": "returns no column first_day, last_day",
        "select g as x, g as y, current_date as first_day, current_date as last_day"
        f" from generate_series(1, {MAX_ROWS + 1}) as g": f"more than {MAX_ROWS} rows",
        "select g as x, g as y, current_date - g as first_day, current_date as last_day"
        " from generate_series(1, 2) as g": "first_day and last_day differ between rows",
    }
    for text, message in cases.items():
        path.write_text(text)
        with transaction(url) as conn, conn.cursor() as cur, pytest.raises(DashboardError) as e:
            read_chart(cur, domain, chart)
        assert str(path) in str(e.value) and message in str(e.value)
    path.unlink()
    with transaction(url) as conn, conn.cursor() as cur, pytest.raises(DashboardError) as e:
        read_chart(cur, domain, chart)
    assert f"no query at {path}" in str(e.value)


def test_an_empty_chart_says_so():
    chart = load_domain("streaming").charts()[0]
    empty = ChartData(("title", "total_watch_hours", "first_day", "last_day"), (), None)
    assert caption("r1", chart, empty) == "Run r1 · no data in gold yet"
    page = dashboard_page("streaming", "r1", datetime(2026, 1, 3, tzinfo=UTC), [(chart, empty)])
    assert "<svg" not in page and "No rows in gold yet." in page
