"""A failing gate in the running stack: the task log names the failing expectation, the run
stops before gold, nothing published changes, and Data Docs shows the failed validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from tests.helpers import layer_state, qualified, query
from tests.stack.conftest import task_states, trigger, wait_for_run

DOCS = "great_expectations/gx/uncommitted/data_docs/local_site"
USAGE_LOGS = qualified("streaming", "silver", "usage_logs")
CUSTOMERS = qualified("streaming", "silver", "customers")
BRONZE_CUSTOMERS = qualified("streaming", "bronze", "customers")
KEYS_KEPT = f"no key published in {CUSTOMERS} is lost"  # the check the planted fault fails
# GX files a suite's results under its dotted name, one folder a part
VALIDATIONS = f"{DOCS}/validations/{CUSTOMERS.replace('.', '/')}"


def test_a_failed_gate_is_visible_in_the_task_log_and_data_docs(api, stack, warehouse):
    day = (datetime.now(UTC) - timedelta(days=3)).date()
    # A customer vanishes from bronze while silver's sessions of other days still refer to
    # them: the run's own rows are fine, only the table-wide check can see it.
    (customer,) = query(
        warehouse,
        f"select customer_id from {USAGE_LOGS} where usage_date < %s order by customer_id limit 1",
        [day - timedelta(days=1)],
    )[0]
    (removed,) = query(
        warehouse,
        f"delete from {BRONZE_CUSTOMERS} as c where customer_id = %s returning to_jsonb(c)",
        [customer],
    )[0]
    published = layer_state(warehouse, "streaming", "silver", "gold")
    try:
        run_id = trigger(api, {"scale": "tiny", "start": str(day), "end": str(day)})
        assert wait_for_run(api, run_id)["state"] == "failed"
    finally:
        query(
            warehouse,
            f"insert into {BRONZE_CUSTOMERS} select * from"
            f" jsonb_populate_record(null::{BRONZE_CUSTOMERS}, %s) returning 1",
            [json.dumps(removed)],
        )
    states = task_states(api, run_id)
    assert states["validate_silver"] == "failed"
    assert {states[t] for t in ("build_gold", "validate_gold", "publish")} == {"upstream_failed"}
    assert layer_state(warehouse, "streaming", "silver", "gold") == published

    log = api.get(
        f"/api/v2/dags/streaming/dagRuns/{run_id}/taskInstances/validate_silver/logs/1"
    ).text
    assert "streaming silver checkpoint failed" in log
    assert KEYS_KEPT in log

    docs = httpx.get(f"{stack.docs_url}/data-docs/index.html").text
    assert run_id in docs and "fa-times text-danger" in docs
    pages = sorted((stack.data_dir / VALIDATIONS / run_id).rglob("*.html"))
    assert pages, "no Data Docs page for the failed validation"
    relative = pages[0].relative_to(stack.data_dir / DOCS)
    page = httpx.get(f"{stack.docs_url}/data-docs/{relative.as_posix()}").text
    assert "Failed" in page and KEYS_KEPT in page
