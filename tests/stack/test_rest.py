"""The platform through its REST API, as a client would use it."""

from __future__ import annotations

import time

from tests.helpers import count, qualified, query, warehouse_state
from tests.stack.conftest import ALL_SUCCEEDED, stage_states, task_states, trigger, wait_for_run

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
