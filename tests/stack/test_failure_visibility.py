"""A failing checkpoint in the running stack: the task log names the failing expectation, the
run stops before gold, and Data Docs shows the failed validation."""

from __future__ import annotations

import httpx

from tests.helpers import query
from tests.stack.conftest import task_states, trigger, wait_for_run

CORRUPT = (
    "insert into bronze.streaming_usage_logs (usage_id, customer_id, subscription_id,"
    " content_id, session_start, device, duration_watched, completion_rate, _run_id, _source_file)"
    " select usage_id + 900000000000, customer_id, subscription_id, content_id,"
    " timestamp '2026-01-15 12:00', device, duration_watched, 3.5, 'corruption', 'manual edit'"
    " from bronze.streaming_usage_logs order by usage_id limit 3 returning usage_id"
)


def test_a_failed_checkpoint_is_visible_in_the_task_log_and_data_docs(api, stack, warehouse):
    # Prime bronze with a good run, then corrupt a day outside the next run's window: the next
    # run reloads its own days only, so bronze validation must catch the corruption.
    assert (
        wait_for_run(api, trigger(api, {"scale": "tiny", "window_days": 1}))["state"] == "success"
    )
    assert len(query(warehouse, CORRUPT)) == 3
    try:
        run_id = trigger(api, {"scale": "tiny", "start": "2026-04-10", "end": "2026-04-10"})
        assert wait_for_run(api, run_id)["state"] == "failed"
    finally:
        query(
            warehouse,
            "delete from bronze.streaming_usage_logs where _run_id = 'corruption' returning 1",
        )
    states = task_states(api, run_id)
    assert states["validate_bronze"] == "failed"
    assert {states[t] for t in ("build_silver", "build_gold", "publish")} == {"upstream_failed"}

    log = api.get(
        f"/api/v2/dags/streaming/dagRuns/{run_id}/taskInstances/validate_bronze/logs/1"
    ).text
    assert "streaming bronze checkpoint failed" in log
    assert "expect_column_values_to_be_between" in log and "completion_rate" in log

    docs = httpx.get(f"{stack.docs_url}/data-docs/index.html").text
    assert run_id in docs and "fa-times text-danger" in docs
    pages = sorted(
        (
            stack.data_dir
            / "great_expectations/gx/uncommitted/data_docs/local_site/validations/bronze"
            / "streaming_usage_logs"
            / run_id
        ).rglob("*.html")
    )
    assert pages, "no Data Docs page for the failed validation"
    relative = pages[0].relative_to(
        stack.data_dir / "great_expectations/gx/uncommitted/data_docs/local_site"
    )
    page = httpx.get(f"{stack.docs_url}/data-docs/{relative.as_posix()}").text
    assert "Failed" in page and "completion_rate" in page
