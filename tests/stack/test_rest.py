"""The platform through its REST API, as a client would use it."""

from __future__ import annotations

import time

import pytest

from tests.helpers import count, qualified, query, warehouse_state
from tests.stack.conftest import (
    ALL_SUCCEEDED,
    stage_states,
    task_instances,
    task_states,
    trigger,
    wait_for_run,
)

CONF = {"scale": "tiny", "start": "2026-04-01", "end": "2026-04-03"}


def test_the_streaming_dag_is_live(api):
    dag = api.get("/api/v2/dags/streaming").json()
    assert dag["is_paused"] is False
    assert dag["is_stale"] is False
    assert {t["name"] for t in dag["tags"]} == {"elt", "streaming"}


def test_a_triggered_run_succeeds_and_a_rerun_leaves_the_warehouse_identical(api, warehouse):
    started = time.monotonic()
    run_id = trigger(api, CONF)
    run = wait_for_run(api, run_id)
    print(f"\nREST-triggered run: {time.monotonic() - started:.1f}s (queue + run)")
    assert run["state"] == "success", task_states(api, run_id)
    assert stage_states(api, run_id) == ALL_SUCCEEDED
    assert count(warehouse, qualified("streaming", "gold", "top_content")) > 0
    assert count(warehouse, qualified("streaming", "gold", "engagement")) > 0
    usage_logs = qualified("streaming", "bronze", "usage_logs")
    window = query(
        warehouse,
        "select min(session_start)::date::text, max(session_start)::date::text"
        f" from {usage_logs} where _run_id = %s",
        [run_id],
    )
    assert window == [("2026-04-01", "2026-04-03")]
    first = warehouse_state(warehouse)

    rerun_id = trigger(api, CONF)
    assert wait_for_run(api, rerun_id)["state"] == "success"
    assert warehouse_state(warehouse) == first


@pytest.mark.parametrize(
    ("conf", "named"),
    [
        ({"start": "2026-02-30", "end": "2026-03-01"}, "2026-02-30"),  # no such day
        ({"start": "2026-03-01", "end": "1 March 2026"}, "1 March 2026"),
        ({"window_days": 0}, "window_days"),
        ({"seed": -1}, "seed"),
        ({"scale": "huge"}, "huge"),
    ],
    ids=["no-such-day", "not-a-date", "no-days", "negative-seed", "unknown-scale"],
)
def test_the_trigger_refuses_a_param_no_run_could_use_naming_it(api, conf, named):
    before = len(api.get("/api/v2/dags/streaming/dagRuns").json()["dag_runs"])
    refused = api.post("/api/v2/dags/streaming/dagRuns", json={"logical_date": None, "conf": conf})
    assert refused.status_code == 400, refused.text
    assert named in refused.text
    assert len(api.get("/api/v2/dags/streaming/dagRuns").json()["dag_runs"]) == before


def test_a_window_the_trigger_cannot_refuse_fails_at_once_saying_why(api, warehouse):
    """A rule between two params (the end before the start) is beyond the form's schema: the
    run's first task fails for good, without a retry, before anything holds the domain."""
    run_id = trigger(api, {"scale": "tiny", "start": "2026-11-10", "end": "2026-11-01"})
    run = wait_for_run(api, run_id)
    assert run["state"] == "failed"
    generate = next(t for t in task_instances(api, run_id) if t["task_id"] == "generate")
    assert (generate["state"], generate["try_number"]) == ("failed", 1)
    log = api.get(f"/api/v2/dags/streaming/dagRuns/{run_id}/taskInstances/generate/logs/1").text
    assert "the window's start 2026-11-10 is after its end 2026-11-01" in log
    leases = query(
        warehouse, "select count(*) from audit.domain_leases where run_id = %s", [run_id]
    )
    assert leases == [(0,)]


def test_a_run_marked_failed_stays_failed_and_gives_the_domain_back(api, warehouse):
    """Airflow leaves a run marked failed running while its teardown runs, then judges it by its
    last tasks, which it skipped: the teardown fails it, after giving the domain back."""
    run_id = trigger(api, {"scale": "tiny", "start": "2026-05-01", "end": "2026-05-30"})
    deadline = time.monotonic() + 300
    while "running" not in task_states(api, run_id).values():
        assert time.monotonic() < deadline, task_states(api, run_id)
        time.sleep(0.5)
    marked = api.patch(f"/api/v2/dags/streaming/dagRuns/{run_id}", json={"state": "failed"})
    assert marked.status_code == 200, marked.text
    assert wait_for_run(api, run_id)["state"] == "failed"
    time.sleep(5)  # and stays so
    assert api.get(f"/api/v2/dags/streaming/dagRuns/{run_id}").json()["state"] == "failed"
    assert task_states(api, run_id)["release_domain"] == "failed"
    leases = query(
        warehouse, "select count(*) from audit.domain_leases where run_id = %s", [run_id]
    )
    assert leases == [(0,)]
