"""The platform on the CeleryExecutor (docker-compose.celery.yml, as the native stack runs it):
two domains' runs spread over both workers and leave the rows a LocalExecutor run leaves, and a
worker killed mid-task costs a retry on the other worker, not a row.

Both stacks are fresh and make no scheduled runs, so each warehouse holds exactly the runs below.
Which worker takes a task is Celery's choice, so the test does not rely on alternation: each
worker has one slot (AIRFLOW_WORKER_CONCURRENCY=1), so two tasks that ran at the same time ran
on two workers, and the two domains' runs, triggered together, always run some tasks at once.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from datetime import datetime

import httpx
import psutil
import pytest

from include.devstack.stack import NativeStack
from tests.helpers import layer_state
from tests.stack.conftest import (
    DOMAINS,
    generated_secrets,
    listeners,
    logged_in,
    process_tree,
    task_instances,
    trigger,
    wait_for_run,
)

CONF = {"scale": "tiny", "seed": 42, "start": "2026-04-01", "end": "2026-04-02"}
LAYERS = ("bronze", "silver", "gold")
# Compose variables, as in .env: one task slot per worker.
SETTINGS = {"ELT_DEFAULT_SCALE": "tiny", "AIRFLOW_WORKER_CONCURRENCY": "1"}
# Airflow settings of these test stacks: the warehouse holds the test's runs alone, and a task
# whose worker died is failed after 30 s without a heartbeat instead of 5 minutes, and retried
# 5 s later instead of 2 minutes.
AIRFLOW_SETTINGS = {
    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "5",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
}
# a killed task waits out its heartbeat timeout and the retry delay
RETRY_RUN_TIMEOUT = 600


def _stack(executor: str) -> NativeStack:
    return NativeStack(executor=executor, settings=SETTINGS, airflow_settings=AIRFLOW_SETTINGS)


def run_both_domains(api: httpx.Client) -> dict[str, str]:
    """Both domains' runs of CONF, triggered together; their run ids once both succeeded."""
    runs = {dag_id: trigger(api, CONF, dag_id) for dag_id in DOMAINS}
    for dag_id, run_id in runs.items():
        state = wait_for_run(api, run_id, dag_id=dag_id)["state"]
        assert state == "success", task_instances(api, run_id, dag_id)
    return runs


def warehouse_layers(stack: NativeStack) -> dict[str, dict]:
    return {d: layer_state(stack.superuser_url, d, *LAYERS) for d in DOMAINS}


@pytest.fixture(scope="module")
def celery_stack():
    with _stack("celery") as running:
        print(f"\nnative Celery stack healthy in {running.start_seconds:.1f}s")
        yield running


@pytest.fixture(scope="module")
def celery_api(celery_stack) -> httpx.Client:
    return logged_in(celery_stack)


@pytest.fixture(scope="module")
def celery_runs(celery_stack, celery_api) -> dict:
    started = time.monotonic()
    runs = run_both_domains(celery_api)
    print(f"\nboth domains on Celery: {time.monotonic() - started:.1f}s")
    return {"runs": runs, "layers": warehouse_layers(celery_stack)}


@pytest.fixture(scope="module")
def local_layers() -> dict[str, dict]:
    """The same runs on a fresh LocalExecutor stack: what the warehouse should hold."""
    started = time.monotonic()
    with _stack("local") as local:
        run_both_domains(logged_in(local))
        layers = warehouse_layers(local)
    print(f"\nLocalExecutor reference (stack and runs): {time.monotonic() - started:.1f}s")
    return layers


def _interval(ti: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"])


def test_two_domains_runs_spread_over_both_workers(celery_stack, celery_api, celery_runs):
    instances = [
        ti
        for dag_id, run_id in celery_runs["runs"].items()
        for ti in task_instances(celery_api, run_id, dag_id)
    ]
    assert {ti["state"] for ti in instances} == {"success"}, instances
    assert {ti["hostname"] for ti in instances} == set(celery_stack.worker_names)
    overlapping = [
        (a, b)
        for a, b in itertools.combinations(instances, 2)
        if max(_interval(a)[0], _interval(b)[0]) < min(_interval(a)[1], _interval(b)[1])
    ]
    assert overlapping, "no two tasks ran at the same time: the runs did not run concurrently"
    for a, b in overlapping:  # one slot per worker: tasks at the same time, on two workers
        assert a["hostname"] != b["hostname"], (a["task_id"], b["task_id"])


def test_the_celery_runs_leave_the_rows_of_a_local_executor_run(celery_runs, local_layers):
    for domain in DOMAINS:
        assert celery_runs["layers"][domain] == local_layers[domain], domain
        assert sum(rows for rows, _ in local_layers[domain].values()) > 0, domain


def test_flower_shows_both_workers_behind_its_login(celery_stack):
    url = f"{celery_stack.flower_url}/api/workers"
    assert httpx.get(url, timeout=10).status_code == 401
    password = (celery_stack.root / "secrets/flower/password").read_text().strip()
    workers = httpx.get(url, auth=("admin", password), params={"refresh": "1"}, timeout=30)
    assert workers.status_code == 200, workers.text
    assert set(celery_stack.worker_names) <= set(workers.json())


def test_redis_and_flower_listen_on_loopback_and_no_secret_is_on_a_command_line(celery_stack):
    listening = listeners(celery_stack)
    by_name = {
        name: {c.laddr.port for c in listening if c.pid in process_tree(p.pid)}
        for name, p in celery_stack._processes.items()
    }
    assert celery_stack.redis_port in by_name["redis"]
    assert celery_stack.flower_port in by_name["flower"]
    assert not by_name["worker1"] and not by_name["worker2"]  # no log server
    exposed = [(c.pid, c.laddr) for c in listening if c.laddr.ip not in ("127.0.0.1", "::1")]
    assert exposed == [], f"listening beyond loopback: {exposed}"
    secrets = generated_secrets(celery_stack)
    assert len(secrets) >= 10  # the Redis and Flower passwords too
    commands = [_command_line(p) for p in psutil.process_iter()]
    assert [s for s in secrets if any(s in c for c in commands)] == []


def _command_line(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return ""


def test_a_worker_killed_mid_task_costs_a_retry_on_the_other_worker_not_a_row(
    celery_stack, celery_api, celery_runs, local_layers
):
    """The machine of a worker dies (SIGKILL to the worker and everything it started) while it
    runs a task of a rerun; the scheduler sees the task's heartbeat stop, fails it, and retries
    it on the other worker. A rerun of the same days leaves the warehouse as it was, so it must
    still hold exactly the LocalExecutor's rows."""
    run_id = trigger(celery_api, CONF)
    deadline, running = time.monotonic() + 120, None
    while running is None and time.monotonic() < deadline:
        states = task_instances(celery_api, run_id)
        running = next((ti for ti in states if ti["state"] == "running" and ti["hostname"]), None)
        time.sleep(0.2)
    assert running is not None, "no task of the rerun started"
    victim = running["hostname"].split("@")[0]
    for pid in process_tree(celery_stack._processes[victim].pid):
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    run = wait_for_run(celery_api, run_id, timeout=RETRY_RUN_TIMEOUT)
    print(
        f"\nkilled {victim} running {running['task_id']}; the rerun finished"
        f" {time.monotonic() - killed_at:.1f}s later"
    )
    assert run["state"] == "success", task_instances(celery_api, run_id)
    task = running["task_id"]
    if running["map_index"] >= 0:
        task += f"/{running['map_index']}"
    tries = celery_api.get(
        f"/api/v2/dags/streaming/dagRuns/{run_id}/taskInstances/{task}/tries"
    ).json()["task_instances"]
    first, *_, last = sorted(tries, key=lambda t: t["try_number"])
    assert (first["hostname"], first["state"]) == (running["hostname"], "failed"), tries
    survivor = ({*celery_stack.worker_names} - {running["hostname"]}).pop()
    assert (last["hostname"], last["state"]) == (survivor, "success"), tries
    assert {ti["state"] for ti in task_instances(celery_api, run_id)} == {"success"}
    assert warehouse_layers(celery_stack) == local_layers
