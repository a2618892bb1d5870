"""Airflow backfills (run_type backfill) through the REST API: each run processes exactly its
own day, in the domain's stored world, and re-processing days leaves the warehouse as it was."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.helpers import query, warehouse_state
from tests.stack.conftest import task_states, wait_for_run


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
