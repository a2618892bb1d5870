"""Every DAG file imports cleanly and follows the house rules; the streaming graph is the flow."""

from __future__ import annotations

import ast
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.encoders import coerce_to_core_timetable
from airflow.timetables.base import TimeRestriction

from include.elt.domain import domain_names
from include.elt.flow import STAGES
from tests.conftest import REPO
from tests.helpers import qualified


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(REPO / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_every_domain_has_its_dag(dagbag):
    assert set(domain_names()) <= set(dagbag.dag_ids)


@pytest.mark.parametrize("dag_id", domain_names())
def test_house_rules(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.tags and "elt" in dag.tags
    assert dag.doc_md and dag.doc_md.strip()
    assert dag.start_date.tzinfo is not None
    assert dag.dagrun_timeout is not None
    for task in dag.tasks:
        assert task.owner not in (None, "", "airflow"), task.task_id
        assert 2 <= task.retries <= 4, task.task_id
        # nothing waits forever, and a task failing for good frees the domain for the next run
        assert task.execution_timeout is not None, task.task_id
        assert task.on_failure_callback, task.task_id


def test_streaming_task_graph_is_the_flow(dagbag):
    dag = dagbag.dags["streaming"]
    assert [t.task_id for t in dag.topological_sort()] == list(STAGES)
    for upstream, downstream in itertools.pairwise(STAGES):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}


def test_table_producing_tasks_declare_assets(dagbag):
    dag = dagbag.dags["streaming"]
    outlets = {t.task_id: {a.name for a in t.outlets} for t in dag.tasks}
    assert qualified("streaming", "bronze", "usage_logs") in outlets["load_bronze"]
    assert qualified("streaming", "silver", "usage_logs") in outlets["build_silver"]
    gold = {qualified("streaming", "gold", m) for m in ("top_content", "engagement", "daily_usage")}
    assert gold <= outlets["build_gold"]


def test_daily_schedule_has_a_one_day_data_interval(dagbag):
    # The scheduler's view of the timetable (a string "@daily" would give a zero-length one).
    timetable = coerce_to_core_timetable(dagbag.dags["streaming"].timetable)
    after = datetime(2026, 3, 10, 12, tzinfo=UTC)
    interval = timetable.infer_manual_data_interval(run_after=after)
    assert (interval.start, interval.end) == (
        datetime(2026, 3, 9, tzinfo=UTC),
        datetime(2026, 3, 10, tzinfo=UTC),
    )
    scheduled = timetable.next_dagrun_info(
        last_automated_data_interval=interval,
        restriction=TimeRestriction(earliest=None, latest=None, catchup=False),
    )
    assert scheduled.data_interval.end - scheduled.data_interval.start == timedelta(days=1)


def test_trigger_form_params(dagbag):
    params = dagbag.dags["streaming"].params
    assert params["window_days"] == 60
    assert params["scale"] == "default"
    assert params.get_param("scale").schema["enum"] == ["tiny", "default", "large"]
    assert isinstance(params["seed"], int)
    # replacing the history is an explicit choice, off unless asked for
    assert params["replace_history"] is False
    assert params["full_refresh"] is False


def test_dag_files_are_thin_and_never_import_each_other():
    for path in (REPO / "dags").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not any(m.startswith("dags") for m in imported), path
        assert len(path.read_text().splitlines()) <= 120, path
