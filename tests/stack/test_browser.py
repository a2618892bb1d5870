"""A person in a real browser: log in, trigger the DAG from its form, watch it succeed, open
Data Docs from the Airflow menu. Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest

from tests.stack.conftest import task_states

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
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


def test_trigger_from_the_form_watch_it_succeed_and_open_data_docs(
    page, stack, api, admin_password, artifacts
):
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
    page.screenshot(path=artifacts / "03-run-succeeded.png", full_page=True)
    assert set(task_states(api, run_id).values()) == {"success"}

    page.goto(stack.api_url + "/dags/streaming")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Data Docs").click()
    page.wait_for_url("**/plugin/data-docs")
    docs = page.frame_locator("iframe").first
    docs.get_by_text("Data Docs", exact=False).first.wait_for()
    docs.get_by_text("Validation Results").first.wait_for()
    page.screenshot(path=artifacts / "04-data-docs.png")
