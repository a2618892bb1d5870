"""The maintenance DAG on the running platform: retention runs as the task roles, through the
Airflow connections and log folder the platform configures, and removes nothing young."""

from __future__ import annotations

from tests.helpers import query
from tests.stack.conftest import trigger, wait_for_run


def test_the_nightly_retention_runs_and_keeps_what_is_young(api, stack, warehouse):
    runs_before = sorted(p.name for p in (stack.data_dir / "runs" / "streaming").iterdir())
    audit_before = query(warehouse, "select count(*) from audit.task_runs")[0][0]
    run_id = trigger(api, {}, dag_id="maintenance")
    assert wait_for_run(api, run_id, dag_id="maintenance")["state"] == "success"
    entry = api.get(
        f"/api/v2/dags/maintenance/dagRuns/{run_id}/taskInstances/apply_retention"
        "/xcomEntries/return_value"
    )
    assert entry.status_code == 200, entry.text
    removed = entry.json()["value"]
    kinds = ("files under", "run folders", "Data Docs", "failed stagings", "audit rows")
    for kind in kinds:
        assert any(line.startswith(kind) for line in removed), (kind, removed)
    # everything here is days old at most: nothing went
    assert all(" 0 removed" in line for line in removed), removed
    assert sorted(p.name for p in (stack.data_dir / "runs" / "streaming").iterdir()) == runs_before
    assert query(warehouse, "select count(*) from audit.task_runs")[0][0] >= audit_before
