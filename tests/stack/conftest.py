"""The running platform: one native stack (the compose services as processes) per session."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import pytest

from include.devstack.stack import NativeStack
from include.elt.core.stages import STAGE_NAMES, stage_of
from tests.airflow_api import (  # noqa: F401 (the stack tests import them from here)
    RUN_TIMEOUT,
    login,
    task_instances,
    task_states,
    trigger,
    wait_for_run,
)
from tests.conftest import REPO
from tests.helpers import layer_state, qualified, query
from tests.smtp import Inbox


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Backfills run last: their runs' validation results would push the failed gate's (made
    once per session, read by the browser and failure tests) off the Data Docs index, which
    lists the newest results only (``data_docs.INDEX_LIMIT``)."""
    backfills = [item for item in items if item.path.name == "test_backfill.py"]
    items[:] = [item for item in items if item.path.name != "test_backfill.py"] + backfills


ARTIFACTS = REPO / "test-artifacts"


DOMAINS = ("streaming", "ecommerce")


@pytest.fixture(scope="session")
def smtp() -> Iterator[Inbox]:
    """An SMTP server on loopback that takes the alerts' login and keeps what it is sent."""
    inbox = Inbox()
    with inbox.serving():
        yield inbox


@pytest.fixture(scope="session")
def stack(smtp):
    # A fresh platform's first scheduled runs fill 60 days of history: tiny ones, for tests.
    # Alerts on, to the loopback SMTP server.
    settings = {"ELT_DEFAULT_SCALE": "tiny", **smtp.settings}
    with NativeStack(settings=settings) as running:
        print(f"\nnative stack healthy in {running.start_seconds:.1f}s")
        yield running


@pytest.fixture(scope="session")
def admin_password(stack) -> str:
    return (stack.root / "secrets/airflow/admin_password").read_text().strip()


@pytest.fixture(scope="session")
def api(stack) -> httpx.Client:
    """A REST client logged in as the generated admin, as any API user would be."""
    client = logged_in(stack)
    first_scheduled_runs(client)
    return client


def logged_in(stack: NativeStack) -> httpx.Client:
    password = (stack.root / "secrets/airflow/admin_password").read_text().strip()
    return login(stack.api_url, password)


def first_scheduled_runs(api: httpx.Client) -> dict[str, dict]:
    """The runs the scheduler made by itself, once they finished: every test starts from a
    platform whose history they filled."""
    deadline, found = time.monotonic() + 120, {}
    while len(found) < len(DOMAINS) and time.monotonic() < deadline:
        for dag_id in DOMAINS:
            runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"run_type": "scheduled"})
            if runs.status_code == 404:  # the DAG processor has not parsed its file yet
                continue
            runs.raise_for_status()
            if runs.json()["dag_runs"]:
                found[dag_id] = runs.json()["dag_runs"][0]
        time.sleep(2)
    assert len(found) == len(DOMAINS), f"the scheduler made no run for {set(DOMAINS) - set(found)}"
    return {d: wait_for_run(api, run["dag_run_id"], dag_id=d) for d, run in found.items()}


@pytest.fixture(scope="session")
def warehouse(stack) -> str:
    return stack.superuser_url


@dataclass(frozen=True)
class FailedGate:
    run_id: str
    published_before: dict  # silver and gold as readers saw them before the run
    published_after: dict


@pytest.fixture(scope="session")
def failed_gate(api, warehouse) -> FailedGate:
    """A streaming run whose silver gate fails, once per session (the failure test reads its
    task log, the browser test its Data Docs page).

    A customer vanishes from bronze while silver's sessions of other days still refer to them:
    the run's own rows are fine, only the table-wide check ("no key published in
    silver.<customers> is lost") can see it. The customer is put back afterwards.
    """
    day = (datetime.now(UTC) - timedelta(days=3)).date()
    usage_logs = qualified("streaming", "silver", "usage_logs")
    bronze_customers = qualified("streaming", "bronze", "customers")
    (customer,) = query(
        warehouse,
        f"select customer_id from {usage_logs} where usage_date < %s order by customer_id limit 1",
        [day - timedelta(days=1)],
    )[0]
    (removed,) = query(
        warehouse,
        f"delete from {bronze_customers} as c where customer_id = %s returning to_jsonb(c)",
        [customer],
    )[0]
    before = layer_state(warehouse, "streaming", "silver", "gold")
    try:
        run_id = trigger(api, {"scale": "tiny", "start": str(day), "end": str(day)})
        assert wait_for_run(api, run_id)["state"] == "failed"
    finally:
        query(
            warehouse,
            f"insert into {bronze_customers} select * from"
            f" jsonb_populate_record(null::{bronze_customers}, %s) returning 1",
            [json.dumps(removed)],
        )
    return FailedGate(run_id, before, layer_state(warehouse, "streaming", "silver", "gold"))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def stage_states(api: httpx.Client, run_id: str, dag_id: str = "streaming") -> dict[str, set]:
    """The states of each stage's tasks (every dataset's load, every model's build)."""
    states: dict[str, set] = {}
    for ti in task_instances(api, run_id, dag_id):
        states.setdefault(stage_of(ti["task_id"]), set()).add(ti["state"])
    return states


# A run's stages and, however it ends, its teardown.
ALL_SUCCEEDED = {stage: {"success"} for stage in (*STAGE_NAMES, "release_domain")}


def process_tree(pid: int) -> set[int]:
    """A process and all its descendants (none if it is gone)."""
    try:
        process = psutil.Process(pid)
        return {pid, *(child.pid for child in process.children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


def listeners(stack: NativeStack) -> list:
    """The listening sockets of every process a native stack started, its PostgreSQL servers'
    included."""
    pids = set()
    for process in stack._processes.values():
        pids |= process_tree(process.pid)
    for server in stack._servers:  # the PostgreSQL clusters: their postmaster and children
        pids |= process_tree(int((server.data / "postmaster.pid").read_text().split()[0]))
    return [
        c
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in pids
    ]


def generated_secrets(stack: NativeStack) -> set[str]:
    """Every secret the stack generated (passwords and keys, not the files built from them)."""
    values = set()
    for path in (stack.root / "secrets").rglob("*"):
        if path.is_file() and not path.name.endswith((".env", ".json", ".sql", ".conf")):
            values.add(path.read_text().strip())
    return {v for v in values if len(v) >= 12}
