"""The scheduler, not a test, creates the daily run: one day of data interval, and it succeeds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from include.elt.flow import STAGES
from tests.helpers import query
from tests.stack.conftest import task_states, wait_for_run


def test_the_scheduler_creates_a_one_day_run_that_succeeds(api, warehouse):
    deadline = time.monotonic() + 120
    runs = []
    while not runs and time.monotonic() < deadline:
        runs = api.get("/api/v2/dags/streaming/dagRuns", params={"run_type": "scheduled"}).json()
        runs = runs["dag_runs"]
        time.sleep(2)
    assert runs, "no scheduled run appeared"
    run = runs[0]
    start = datetime.fromisoformat(run["data_interval_start"])
    end = datetime.fromisoformat(run["data_interval_end"])
    assert end - start == timedelta(days=1)
    # catchup is off and the start date is in the past: the latest complete day runs.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert today - timedelta(days=1) <= end <= today
    assert wait_for_run(api, run["dag_run_id"])["state"] == "success"
    assert task_states(api, run["dag_run_id"]) == {stage: "success" for stage in STAGES}
    # ... and it processed exactly its own day, at the default scale.
    day = start.date().isoformat()
    generated = query(
        warehouse,
        "select detail from audit.task_runs where run_id = %s and task = 'generate'",
        [run["dag_run_id"]],
    )
    assert generated[0][0].startswith(f"{day}..{day} scale=default seed=42")
