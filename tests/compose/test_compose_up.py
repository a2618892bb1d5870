"""`docker compose up`, for real: the README's first command, run as a user runs it.

The scenarios run in order on one compose project (see conftest.py): from nothing to healthy,
the printed login, both domains' first runs and what readers get, `make logins`, a restart as
after a reboot, the warehouse restarted mid-run, the Celery override, and `down -v`.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from datetime import datetime

import httpx
import psycopg2
import pytest
from playwright import sync_api as playwright

from tests.airflow_api import login, task_instances, trigger, wait_for_run
from tests.compose import docker
from tests.compose.conftest import ARTIFACTS, measured
from tests.conftest import REPO
from tests.helpers import qualified, query, relations, warehouse_state
from tests.stack.test_browser import CHROMIUM, CHROMIUM_ARGS

DOMAINS = ("streaming", "ecommerce")
UP_TIMEOUT = 600  # seconds from nothing to every service healthy, images built
ONE_SHOT = {"secrets", "airflow-init"}


def up(compose: docker.Compose) -> float:
    started = time.perf_counter()
    compose("up", "--detach", "--wait", "--wait-timeout", str(UP_TIMEOUT), timeout=UP_TIMEOUT + 60)
    return time.perf_counter() - started


def assert_healthy(compose: docker.Compose) -> None:
    """Every service the compose files declare runs healthy; the one-shots ended well."""
    services = compose.services()
    assert {s["Service"] for s in services} == set(compose("config", "--services").split())
    for service in services:
        if service["Service"] in ONE_SHOT:
            assert service["State"] == "exited" and service["ExitCode"] == 0, service
        else:
            assert (service["State"], service["Health"]) == ("running", "healthy"), service


def logins(compose: docker.Compose) -> dict[str, str]:
    """What `make logins` prints: the UI's admin password and the analyst's warehouse URI."""
    out = subprocess.run(
        ["make", "--no-print-directory", "logins"],
        cwd=REPO,
        env={**compose.environment, "COMPOSE_PROJECT_NAME": compose.project},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return parse_logins(out)


def parse_logins(text: str) -> dict[str, str]:
    return {
        "admin": re.search(r"Login:\s+admin / (\S+)", text).group(1),
        "analyst": re.search(r"(postgresql://analyst:\S+)", text).group(1),
    }


def secret(compose: docker.Compose, path: str) -> str:
    """A file of the secrets volumes, read as the one-shot `secrets` service sees them."""
    return compose(
        "run", "--rm", "--no-deps", "--entrypoint", "cat", "secrets", f"/secrets/{path}"
    ).strip()


def secrets_digest(compose: docker.Compose) -> str:
    return compose(
        "run",
        "--rm",
        "--no-deps",
        "--entrypoint",
        "sh",
        "secrets",
        "-c",
        "cd /secrets && find . -type f | sort | xargs sha256sum",
    )


def superuser_url(compose: docker.Compose) -> str:
    password = secret(compose, "warehouse-db/superuser_password")
    port = compose.settings["WAREHOUSE_PORT"]
    return f"postgresql://warehouse:{password}@127.0.0.1:{port}/warehouse"


def api_url(compose: docker.Compose) -> str:
    return f"http://127.0.0.1:{compose.settings['AIRFLOW_API_PORT']}"


def gold_state(url: str) -> dict:
    return {
        d: {r: v for r, v in warehouse_state(url, d).items() if r.startswith("gold.")}
        for d in DOMAINS
    }


@pytest.fixture(scope="module")
def first_start(compose) -> dict:
    """`docker compose up -d --wait` from nothing, and the logins airflow-init printed."""
    seconds = up(compose)
    measured("up -> healthy, first start", seconds)
    printed = compose("logs", "airflow-init")
    return {"seconds": seconds, "logins": parse_logins(printed)}


@pytest.fixture(scope="module")
def api(compose, first_start) -> httpx.Client:
    return login(api_url(compose), first_start["logins"]["admin"])


def test_a_from_nothing_every_service_is_healthy_on_loopback(compose, first_start):
    assert first_start["seconds"] < UP_TIMEOUT
    assert_healthy(compose)
    published = [
        p for s in compose.services() for p in s.get("Publishers") or [] if p["PublishedPort"]
    ]
    assert {p["TargetPort"] for p in published} == {8080, 5432}
    assert all(p["URL"] == "127.0.0.1" for p in published), published


def test_b_the_printed_login_works_in_rest_and_in_the_browser(compose, first_start, api):
    dags = {dag["dag_id"] for dag in api.get("/api/v2/dags").json()["dags"]}
    assert dags == {*DOMAINS, "maintenance"}  # a DAG per domain, and retention's
    wrong = {"username": "admin", "password": "wrong-" + first_start["logins"]["admin"]}
    assert httpx.post(api_url(compose) + "/auth/token", json=wrong).status_code == 401
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(api_url(compose) + "/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(first_start["logins"]["admin"])
        page.screenshot(path=ARTIFACTS / "compose-01-login.png")
        page.get_by_role("button", name="Sign In").click()
        page.goto(api_url(compose) + "/dags")
        for dag_id in DOMAINS:
            dag = page.get_by_test_id("dag-id").filter(has_text=dag_id)
            playwright.expect(dag).to_be_visible()
        page.screenshot(path=ARTIFACTS / "compose-02-dags.png")
        browser.close()


def test_c_first_runs_fill_the_history_and_readers_get_gold(compose, first_start, api):
    # Each domain's first run is made within 120 s; then each is waited for (a slow first run
    # of one domain must not use up the other's 120 s).
    started, first = time.perf_counter(), {}
    for dag_id in DOMAINS:
        runs = []
        while not runs and time.perf_counter() - started < 120:
            # no such DAG (404) until the DAG processor has parsed its file
            listed = api.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"run_type": "scheduled"})
            runs = listed.json().get("dag_runs")
            time.sleep(2)
        assert runs, f"the scheduler made no run of {dag_id}"
        first[dag_id] = runs[0]["dag_run_id"]
    for dag_id, run_id in first.items():
        run = wait_for_run(api, run_id, timeout=900, dag_id=dag_id)
        assert run["state"] == "success", run
        measured(f"first run (60 days, tiny), {dag_id}", _seconds(run))

    analyst = first_start["logins"]["analyst"]
    for dag_id in DOMAINS:
        gold = [r for r in relations(dag_id) if r.startswith("gold.")]
        for relation in gold:
            assert query(analyst, f"select count(*) from {relation}")[0][0] > 0, relation
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            query(analyst, f"select 1 from {qualified(dag_id, 'bronze', 'customers')} limit 1")

    # Dashboards, reports and Data Docs: the API server's, for its signed-in users only
    for dag_id in DOMAINS:
        dashboard = f"/published/reports/{dag_id}/dashboard.html"
        page = api.get(dashboard)
        assert page.status_code == 200 and page.text.count("<svg") >= 2, dag_id
        assert httpx.get(api_url(compose) + dashboard, timeout=30).status_code == 401
    data_docs = api.get("/published/data-docs/")
    assert data_docs.status_code == 200 and "validation" in data_docs.text.lower()
    report = f"{api_url(compose)}/published/reports/streaming/engagement_report.csv"
    assert httpx.get(report, timeout=30).status_code == 401


def test_c_a_viewer_sees_runs_but_cannot_trigger_or_clear_them(compose, api):
    """The README's way to add a user: `airflow users create` in the API server's container
    (the password asked for, here on stdin)."""
    password = secrets.token_urlsafe(16)
    subprocess.run(
        [
            "docker", "compose", "--project-name", compose.project, "exec", "-T",
            "airflow-apiserver", "airflow", "users", "create", "--username", "ana",
            "--role", "Viewer", "--firstname", "Ana", "--lastname", "Lyst",
            "--email", "ana@example.com",
        ],
        input=f"{password}\n{password}\n",
        cwd=REPO, env=compose.environment, capture_output=True, text=True, check=True,
        timeout=300,
    )  # fmt: skip
    viewer = login(api_url(compose), password, username="ana")
    (run,) = api.get("/api/v2/dags/streaming/dagRuns", params={"limit": 1}).json()["dag_runs"]
    assert viewer.get("/api/v2/dags/streaming/dagRuns").status_code == 200
    refused = {
        "trigger": viewer.post("/api/v2/dags/streaming/dagRuns", json={"logical_date": None}),
        "clear": viewer.post(
            "/api/v2/dags/streaming/clearTaskInstances",
            json={"dry_run": False, "dag_run_id": run["dag_run_id"]},
        ),
        "mark failed": viewer.patch(
            f"/api/v2/dags/streaming/dagRuns/{run['dag_run_id']}", json={"state": "failed"}
        ),
    }
    assert {what: r.status_code for what, r in refused.items()} == dict.fromkeys(refused, 403)


def test_d_make_logins_prints_the_same_logins_again(compose, first_start):
    assert logins(compose) == first_start["logins"]


def test_e_a_restart_keeps_secrets_logins_and_data(compose, first_start, api):
    warehouse = superuser_url(compose)
    before = {
        "secrets": secrets_digest(compose),
        "data": {d: warehouse_state(warehouse, d) for d in DOMAINS},
    }
    started = time.perf_counter()
    compose("stop")
    measured("stop", time.perf_counter() - started)
    measured("up -> healthy, after a stop", up(compose))
    assert secrets_digest(compose) == before["secrets"]
    assert logins(compose) == first_start["logins"]
    assert {d: warehouse_state(warehouse, d) for d in DOMAINS} == before["data"]

    again = login(api_url(compose), first_start["logins"]["admin"])
    run = wait_for_run(again, trigger(again, {"window_days": 1}), timeout=600)
    assert run["state"] == "success", run
    measured("one-day run after the restart, streaming", _seconds(run))


def test_f_the_warehouse_restarted_mid_run_costs_a_retry(compose, first_start):
    """A silver table is locked so that the run's first task to read it waits, the warehouse
    is restarted under it; the task's retry finishes the run, and gold equals a fault-free
    rerun of the same day."""
    api = login(api_url(compose), first_start["logins"]["admin"])
    warehouse = superuser_url(compose)
    holder = psycopg2.connect(warehouse)
    holder.cursor().execute(
        f"lock table {qualified('streaming', 'silver', 'usage_logs')} in access exclusive mode"
    )
    run_id = trigger(api, {"window_days": 1})
    try:
        waiting = _wait_for_lock_waiter(warehouse)
    finally:
        compose("restart", "warehouse")
        holder.close()
    run = wait_for_run(api, run_id, timeout=600)
    assert run["state"] == "success", run
    retried = {ti["task_id"] for ti in task_instances(api, run_id) if ti["try_number"] > 1}
    assert retried, f"no task was retried (the waiting session was {waiting})"
    faulted = gold_state(warehouse)["streaming"]

    ((start, end),) = query(
        warehouse,
        "select window_start::text, window_end::text from audit.runs where run_id = %s",
        [run_id],
    )
    rerun = wait_for_run(api, trigger(api, {"start": start, "end": end}), timeout=600)
    assert rerun["state"] == "success", rerun
    assert gold_state(warehouse)["streaming"] == faulted


def test_g_the_celery_override_runs_tasks_on_both_workers(compose, first_start):
    celery = compose.with_files(*docker.COMPOSE_FILES)
    measured("up -> healthy, Celery override", up(celery))
    services = celery.services()
    assert_healthy(celery)
    workers = [s for s in services if s["Service"] == "airflow-worker"]
    assert len(workers) == 2
    hostnames = {
        docker.run("docker", "inspect", "--format", "{{.Config.Hostname}}", w["Name"]).strip()
        for w in workers
    }
    api = login(api_url(compose), first_start["logins"]["admin"])
    run_id = trigger(api, {"window_days": 1}, dag_id="ecommerce")
    run = wait_for_run(api, run_id, timeout=600, dag_id="ecommerce")
    assert run["state"] == "success", run
    measured("one-day run on two Celery workers, ecommerce", _seconds(run))
    assert {ti["hostname"] for ti in task_instances(api, run_id, "ecommerce")} == hostnames


def test_h_down_v_leaves_nothing_of_the_project(compose):
    celery = compose.with_files(*docker.COMPOSE_FILES)
    celery("down", "--volumes")
    assert celery.leftovers() == {"containers": [], "volumes": [], "networks": []}


def _seconds(run: dict) -> float:
    start, end = (datetime.fromisoformat(run[k]) for k in ("start_date", "end_date"))
    return (end - start).total_seconds()


def _wait_for_lock_waiter(url: str, timeout: float = 180) -> tuple:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = query(
            url,
            "select pid, usename, left(query, 80) from pg_stat_activity"
            " where wait_event_type = 'Lock' and usename like 'elt\\_%'",
        )
        if rows:
            return rows[0]
        time.sleep(0.5)
    raise TimeoutError("no task of the run waited for the locked table")
