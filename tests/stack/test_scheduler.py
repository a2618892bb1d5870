"""The scheduler, not a test, creates the daily run: a one-day data interval. On a fresh platform
that first run fills the default history, so the UI and reports have something to show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from include.elt.core.runs import DEFAULT_HISTORY_DAYS
from tests.helpers import query
from tests.stack.conftest import ALL_SUCCEEDED, first_scheduled_runs, stage_states


def test_the_first_scheduled_run_fills_the_default_history(api, warehouse):
    run = first_scheduled_runs(api)["streaming"]
    start = datetime.fromisoformat(run["data_interval_start"])
    end = datetime.fromisoformat(run["data_interval_end"])
    assert end - start == timedelta(days=1)
    # catchup is off and the start date is in the past: the latest complete day runs.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert today - timedelta(days=1) <= end <= today
    assert run["state"] == "success"
    assert stage_states(api, run["dag_run_id"]) == ALL_SUCCEEDED
    planned = query(
        warehouse,
        "select run_type, window_start, window_end, scale, opens_history from audit.runs"
        " where domain = 'streaming' and run_id = %s",
        [run["dag_run_id"]],
    )
    last_day = start.date()
    assert planned == [
        ("scheduled", last_day - timedelta(days=DEFAULT_HISTORY_DAYS - 1), last_day, "tiny", True)
    ]
