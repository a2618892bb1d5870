"""The streaming DAG run in-process (``dag.test()``) against a throwaway warehouse."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest
from airflow.dag_processing.dagbag import DagBag

from include.elt.core.stages import STAGE_NAMES, stage_of
from tests.conftest import REPO
from tests.helpers import count, in_process, qualified, query


@pytest.fixture
def streaming_dag(airflow_db):
    return in_process(DagBag(dag_folder=str(REPO / "dags")).dags["streaming"])


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


@pytest.mark.parametrize(
    ("conf", "cli"),
    [
        (
            {"start": "2026-11-10", "end": "2026-11-01"},
            ["--start", "2026-11-10", "--end", "2026-11-01"],
        ),
        (
            {"start": "2000-01-01", "end": "2026-11-01"},
            ["--start", "2000-01-01", "--end", "2026-11-01"],
        ),
    ],
    ids=["end-before-start", "longer-than-allowed"],
)
def test_a_window_the_run_cannot_process_fails_at_once_with_the_clis_message(
    streaming_dag, warehouse_url, data_dir, capfd, conf, cli
):
    """Windows the trigger's form and REST API cannot refuse (a rule between two params): the
    first task fails for good, before anything holds the domain, without a retry holding the
    DAG's one run slot, and says what the CLI says of the same window."""
    run = streaming_dag.test(run_conf={"scale": "tiny", **conf})
    states = {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}
    assert run.state == "failed"
    assert states["generate"] == ("failed", 1)
    assert states["release_domain"][0] == "failed"  # the run's verdict, after giving back
    assert query(warehouse_url, "select count(*) from audit.domain_leases") == [(0,)]
    said = subprocess.run(
        [sys.executable, str(REPO / "scripts/elt.py"), "run", "--scale", "tiny", *cli],
        capture_output=True,
        text=True,
        env=os.environ,  # the warehouse's role logins, as the fixture exported them
    )
    assert said.returncode == 1
    message = said.stderr.strip().splitlines()[-1].removeprefix("error: ")
    assert message and message in " ".join(capfd.readouterr().out.split())
