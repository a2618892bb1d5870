"""A person in a real browser: log in, trigger the DAG from its form, watch it succeed, see a
task per model in the grid, trace a bronze table's lineage in the Assets view, open Data Docs
from the Airflow menu with nothing reachable beyond 127.0.0.1 and find a failed expectation
there, then open the gold dashboards the same way and see their charts. Screenshots land in
test-artifacts/."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from include.elt.contract.domain import load_domain
from include.elt.contract.models import dependencies, model, models
from include.elt.core.stages import stage_of
from include.elt.files.storage import safe_name
from tests.helpers import qualified, query
from tests.stack.conftest import task_instances, task_states

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
CUSTOMERS = qualified("streaming", "silver", "customers")
STREAMING, ECOMMERCE = load_domain("streaming"), load_domain("ecommerce")
KEYS_KEPT = f"no key published in {CUSTOMERS} is lost"  # the check the failed gate fails
# As root, in a closed network: no sandbox, and none of Chromium's background connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def test_trigger_from_the_form_and_watch_it_succeed(page, stack, api, admin_password, artifacts):
    page.goto(stack.api_url + "/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(admin_password)
    page.screenshot(path=artifacts / "01-login.png")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(stack.api_url + "/")

    page.goto(stack.api_url + "/dags/streaming")
    page.get_by_role("button", name="Trigger Dag").click()
    form = page.get_by_role("dialog")
    form.locator("input[name=element_window_days]").fill("2")
    form.get_by_role("combobox").first.click()  # the Scale select
    page.get_by_role("option", name="tiny").click()
    page.screenshot(path=artifacts / "02-trigger-form.png")
    form.get_by_role("button", name="Trigger").click()

    page.wait_for_url("**/dags/streaming/runs/manual__*")
    run_id = page.url.rsplit("/runs/", 1)[1].replace("%3A", ":").replace("%2B", "+")
    run = api.get(f"/api/v2/dags/streaming/dagRuns/{run_id}").json()
    assert run["conf"]["scale"] == "tiny" and run["conf"]["window_days"] == 2
    # The run's own state badge sits beside its id in the page header (not a task's badge).
    header = page.locator(f"xpath=//*[normalize-space(text())='{run_id}']/..").last
    playwright.expect(header).to_contain_text("Success", timeout=420_000)
    assert set(task_states(api, run_id).values()) == {"success"}

    # The grid: a task per model under each layer's group, each with its own duration.
    page.get_by_role("button", name="Expand all task groups").click()
    for m in models(STREAMING):
        playwright.expect(page.get_by_text(m.name, exact=True).first).to_be_visible()
        row = page.get_by_role("row").filter(has_text=f"build_{m.layer}.{m.name}")
        playwright.expect(row).to_contain_text("Success")
    page.screenshot(path=artifacts / "03-grid-per-model-tasks.png")
    durations = {
        ti["task_id"]: ti["duration"]
        for ti in task_instances(api, run_id)
        if stage_of(ti["task_id"]) in ("build_silver", "build_gold")
    }
    assert set(durations) == {f"build_{m.layer}.{m.name}" for m in models(STREAMING)}
    assert all(seconds > 0 for seconds in durations.values())


def test_the_assets_view_traces_files_to_bronze_silver_gold_and_reports(page, stack, artifacts):
    """Airflow's graph of an asset's task dependencies, drawn from the tasks' inlets and outlets:
    a bronze table's file upstream, and the silver, gold and reports made from it downstream."""
    page.set_viewport_size({"width": 2400, "height": 800})  # the whole lineage, readable
    try:
        nodes = _lineage(page, stack, qualified("streaming", "bronze", "usage_logs"))
        for name in (
            "file.streaming_usage_logs",
            "commit_bronze",
            "build_silver.usage_logs",
            qualified("streaming", "silver", "usage_logs"),
            "build_gold.content_totals",
            qualified("streaming", "gold", "content_totals"),
            "publish",
            "report.streaming.top_content_report.csv",
        ):
            playwright.expect(nodes.filter(has_text=name).first).to_be_visible()
        page.locator(".react-flow").screenshot(path=artifacts / "04-assets-lineage.png")

        # A gold model reading several silver models shows every one of them.
        customer_360 = model(ECOMMERCE, "customer_360")
        nodes = _lineage(page, stack, customer_360.qualified)
        read = [model(ECOMMERCE, name).qualified for name in dependencies(customer_360)]
        assert len(read) > 1
        for name in read:
            playwright.expect(nodes.filter(has_text=name).first).to_be_visible()
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})


def _lineage(page, stack, asset: str):
    page.goto(stack.api_url + "/assets")
    page.get_by_placeholder("Search Assets").fill(asset)
    page.get_by_role("link", name=asset, exact=True).click()
    page.get_by_role("button", name="Task Dependencies").click()
    page.get_by_role("button", name="Fit View").click()
    return page.locator(".react-flow__node")


class Offline:
    """Lets a page reach 127.0.0.1 only; every other request is refused and kept."""

    def __init__(self) -> None:
        self.allowed: list[str] = []
        self.blocked: list[str] = []

    def __call__(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            self.allowed.append(url)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


def test_published_outputs_ask_a_browser_without_the_login_to_sign_in(
    page, stack, admin_password, artifacts
):
    """Reports, dashboards and Data Docs are the UI's: without its login a browser gets the
    sign-in page, and once signed in, the page it asked for."""
    stranger = page.context.browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        tab = stranger.new_page()
        report = f"{stack.docs_url}/reports/streaming/engagement_report.csv"
        assert tab.goto(report).url.startswith(f"{stack.api_url}/auth/login/")
        playwright.expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
        assert "customer" not in tab.content().lower()  # nothing of the report itself
        dashboards = f"{stack.docs_url}/dashboards/"
        tab.goto(dashboards)
        tab.get_by_label("Username").fill("admin")
        tab.get_by_label("Password").fill(admin_password)
        tab.screenshot(path=artifacts / "09-published-needs-login.png")
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url(dashboards)
        playwright.expect(tab.get_by_role("heading", name="Gold dashboards")).to_be_visible()
    finally:
        stranger.close()


def test_data_docs_render_offline_and_show_the_failed_expectation(
    page, stack, failed_gate, artifacts
):
    offline = Offline()
    page.route("**/*", offline)
    page.goto(stack.api_url + "/dags/streaming")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Data Docs").click()
    page.wait_for_url("**/plugin/data-docs")
    docs = page.frame_locator("iframe").first
    results = docs.locator("#Validation-Results .bootstrap-table")
    rows = results.locator("tbody tr.clickable-row")
    playwright.expect(rows.first).to_be_visible()  # rendered by bootstrap-table's script
    assert rows.count() > 5
    playwright.expect(rows.first.locator(".fa-check-circle, .fa-times").first).to_be_visible()
    page.screenshot(path=artifacts / "05-data-docs.png")

    search = results.get_by_placeholder("Search")
    search.fill(safe_name(failed_gate.run_id))
    search.press("Enter")  # bootstrap-table searches on a key, not on input
    failed = rows.filter(has=docs.locator(".fa-times"), has_text=f"{CUSTOMERS}@")
    playwright.expect(failed).to_have_count(1)
    failed.click()
    # The UI mirrors the page's path into its address, then loads the page again at its decoded
    # path: wait for that second load before looking (or the screenshot catches a blank frame).
    page.wait_for_url("**/plugin/data-docs/published/data-docs/validations/**")
    page.wait_for_load_state("networkidle")
    expectation = docs.locator("tr", has=docs.locator(".fa-times"), has_text=KEYS_KEPT)
    playwright.expect(expectation.first).to_be_visible()
    playwright.expect(docs.locator("#section-1")).to_contain_text("Status: Failed")  # Overview
    page.screenshot(path=artifacts / "06-failed-expectation.png")

    assert offline.blocked == []
    vendored = [u for u in offline.allowed if "/data-docs/static/vendor/" in u]
    assert any(u.endswith("/jquery.min.js") for u in vendored), offline.allowed


@pytest.mark.usefixtures("api")  # once the first scheduled runs of both domains are done
def test_the_gold_dashboards_render_offline_from_the_menu(page, stack, warehouse, artifacts):
    offline = Offline()
    page.route("**/*", offline)
    page.goto(stack.api_url + "/dags/streaming")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Gold dashboard", exact=True).click()
    page.wait_for_url("**/plugin/gold-dashboard")
    index = page.frame_locator("iframe").first
    index.get_by_role("link", name="streaming", exact=True).click()
    playwright.expect(index.locator("figure.chart svg").first).to_be_visible()
    # the dashboard in the iframe (the UI mirrors its path into its own address)
    shown = page.main_frame.child_frames
    streaming = next(f.url for f in shown if f.url.endswith("/streaming/dashboard.html"))

    for i, domain in enumerate(("streaming", "ecommerce")):
        page.goto(streaming.replace("/streaming/", f"/{domain}/"))  # the page alone, all of it
        assert_charts_drawn(page, last_published(warehouse, domain))
        name = f"{7 + i:02d}-dashboard-{domain}.png"
        page.screenshot(path=artifacts / name, full_page=True)

    assert offline.blocked == []
    assert any(u.endswith("/dashboards/") for u in offline.allowed), offline.allowed


def last_published(warehouse: str, domain: str) -> str:
    """The run whose publish last succeeded: the one the domain's dashboard shows."""
    return query(
        warehouse,
        "select run_id from audit.task_runs where domain = %s and task = 'publish'"
        " and status = 'success' order by finished_at desc limit 1",
        [domain],
    )[0][0]


def assert_charts_drawn(page, run_id: str) -> None:
    """At least four charts, each a visible SVG of a readable size, captioned with the run."""
    charts = page.locator("figure.chart")
    playwright.expect(charts.first.locator("svg")).to_be_visible()
    assert charts.count() >= 4
    for i in range(charts.count()):
        chart = charts.nth(i)
        box = chart.locator("svg").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 60, chart.get_attribute("id")
        caption = chart.locator("figcaption .caption")
        playwright.expect(caption).to_contain_text(f"Run {run_id} · data ")
