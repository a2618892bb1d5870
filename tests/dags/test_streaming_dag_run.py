"""The streaming DAG run in-process (``dag.test()``) against a throwaway warehouse."""

from __future__ import annotations

import csv

import pytest
from airflow.dag_processing.dagbag import DagBag

from include.elt.core.stages import STAGE_NAMES, stage_of
from tests.conftest import REPO
from tests.helpers import count, qualified, query


@pytest.fixture
def streaming_dag(airflow_db):
    return DagBag(dag_folder=str(REPO / "dags")).dags["streaming"]


def test_a_manual_run_succeeds_end_to_end(streaming_dag, warehouse_url, data_dir):
    run = streaming_dag.test(
        run_conf={"scale": "tiny", "start": "2026-04-01", "end": "2026-04-05", "seed": 7}
    )
    instances = run.get_task_instances()
    # dag.test() does not raise when a task fails: the states are the verdict.
    assert {ti.state for ti in instances} == {"success"}
    assert {stage_of(ti.task_id) for ti in instances} == {*STAGE_NAMES, "release_domain"}
    assert run.state == "success"
    assert count(warehouse_url, qualified("streaming", "gold", "top_content")) > 0
    assert count(warehouse_url, qualified("streaming", "gold", "engagement")) > 0
    usage_logs = qualified("streaming", "silver", "usage_logs")
    days = query(warehouse_url, f"select min(usage_date), max(usage_date) from {usage_logs}")[0]
    assert [d.isoformat() for d in days] == ["2026-04-01", "2026-04-05"]
    with (data_dir / "reports/streaming/top_content_report.csv").open() as f:
        assert next(csv.reader(f)) == [
            "content_id",
            "title",
            "genre",
            "total_watch_hours",
            "unique_viewers",
            "avg_completion_rate",
        ]
    audit = query(
        warehouse_url,
        "select task, status, rows_in, rows_out from audit.task_runs where run_id = %s",
        [run.run_id],
    )
    assert {stage_of(a[0]) for a in audit} == set(STAGE_NAMES)
    assert all(a[1] == "success" for a in audit)
    validations = {a[0]: (a[2], a[3]) for a in audit if a[0].startswith("validate_")}
    assert all(evaluated == passed and evaluated > 10 for evaluated, passed in validations.values())
    assert (
        data_dir / "great_expectations/gx/uncommitted/data_docs/local_site/index.html"
    ).is_file()
