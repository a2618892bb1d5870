"""Airflow backfills (run_type backfill) through the REST API: each run processes exactly its
own day, in the domain's stored world, and re-processing days leaves the warehouse as it was."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.helpers import query, warehouse_state
from tests.stack.conftest import (
    ALL_SUCCEEDED,
    stage_states,
    task_instances,
    task_states,
    wait_for_run,
)


def test_a_backfill_processes_each_day_once_and_changes_nothing_already_there(api, warehouse):
    before = warehouse_state(warehouse)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first, last = today - timedelta(days=12), today - timedelta(days=11)
    created = api.post(
        "/api/v2/backfills",
        json={
            "dag_id": "streaming",
            "from_date": first.isoformat(),
            "to_date": last.isoformat(),
            "max_active_runs": 2,
        },
    )
    assert created.status_code == 200, created.text
    deadline, runs = time.monotonic() + 60, []
    while len(runs) < 2 and time.monotonic() < deadline:
        runs = api.get("/api/v2/dags/streaming/dagRuns", params={"run_type": "backfill"}).json()[
            "dag_runs"
        ]
        time.sleep(1)
    assert len(runs) == 2, runs
    for run in runs:
        assert wait_for_run(api, run["dag_run_id"])["state"] == "success", task_states(
            api, run["dag_run_id"]
        )
        day = datetime.fromisoformat(run["data_interval_start"]).date()
        assert query(
            warehouse,
            "select run_type, window_start, window_end from audit.runs"
            " where domain = 'streaming' and run_id = %s",
            [run["dag_run_id"]],
        ) == [("backfill", day, day)]
    # the two days were in the history already, in the same world: identical rows
    assert warehouse_state(warehouse) == before


def _backfill_runs(api, dag_id: str, count: int, timeout: float = 60) -> list[dict]:
    deadline, runs = time.monotonic() + timeout, []
    while len(runs) < count and time.monotonic() < deadline:
        runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"run_type": "backfill"}).json()[
            "dag_runs"
        ]
        time.sleep(1)
    assert len(runs) == count, runs
    return runs


def test_a_backfill_of_days_at_once_succeeds_and_leaves_them_as_one_run_made_them(api, warehouse):
    """Five days of ecommerce (13 bronze tables a run) as Airflow runs a backfill by default:
    up to ten runs at once. Their loads and commits overlap, one at a time holds the domain;
    none deadlocks or validates another's rows, and the days equal what the 60-day history
    run made of them."""
    before = warehouse_state(warehouse, "ecommerce")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first, last = today - timedelta(days=20), today - timedelta(days=16)
    created = api.post(
        "/api/v2/backfills",
        json={"dag_id": "ecommerce", "from_date": first.isoformat(), "to_date": last.isoformat()},
    )
    assert created.status_code == 200, created.text
    assert created.json()["max_active_runs"] >= 5  # Airflow's default: all of them at once
    runs = _backfill_runs(api, "ecommerce", 5)
    finished = []
    for run in runs:
        done = wait_for_run(api, run["dag_run_id"], dag_id="ecommerce")
        assert done["state"] == "success", task_states(api, run["dag_run_id"], "ecommerce")
        assert stage_states(api, run["dag_run_id"], "ecommerce") == ALL_SUCCEEDED
        # at the first try: a deadlock or a wrong batch would have failed one, then retried
        tries = {
            ti["task_id"]: ti["try_number"]
            for ti in task_instances(api, run["dag_run_id"], "ecommerce")
        }
        assert set(tries.values()) == {1}, tries
        finished.append(done)
    # side by side: the second run started before the first one ended
    starts = sorted(datetime.fromisoformat(r["start_date"]) for r in finished)
    assert starts[1] < min(datetime.fromisoformat(r["end_date"]) for r in finished)
    assert warehouse_state(warehouse, "ecommerce") == before
