"""Every DAG file imports cleanly and follows the house rules; the streaming graph is the flow."""

from __future__ import annotations

import ast
import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.mappedoperator import MappedOperator
from airflow.serialization.encoders import coerce_to_core_timetable
from airflow.timetables.base import TimeRestriction

from include.elt.contract.domain import domain_names, load_domain
from include.elt.contract.models import dependencies, model, models, sources
from include.elt.core.stages import STAGE_NAMES
from tests.conftest import REPO, roles
from tests.helpers import qualified, query


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
        # nothing waits forever
        assert task.execution_timeout is not None, task.task_id
    # however a run ends, once every task is done, the domain is freed for the next run
    release = dag.get_task("release_domain")
    assert release.is_teardown
    assert release.upstream_task_ids == {t.task_id for t in dag.tasks} - {"release_domain"}
    # runs side by side (a backfill) wait for the domain one at a time, not a process each;
    # of the tasks ready at once, a later stage's goes first
    assert dag.get_task("validate_bronze").max_active_tis_per_dag == 1
    assert {t.weight_rule for t in dag.tasks} == {"upstream"}


@pytest.mark.parametrize("dag_id", domain_names())
def test_the_task_graph_is_the_flow_with_a_task_per_model(dagbag, dag_id):
    dag, domain = dagbag.dags[dag_id], load_domain(dag_id)
    order = [t.task_id.split(".")[0] for t in dag.topological_sort()]
    assert [stage for stage, _ in itertools.groupby(order)] == [*STAGE_NAMES, "release_domain"]

    # one task loads every dataset (a task each cost more to start than to COPY)
    assert not isinstance(dag.get_task("load_bronze"), MappedOperator)
    for layer, before, after in (
        ("silver", "validate_bronze", "validate_silver"),
        ("gold", "validate_silver", "validate_gold"),
    ):
        built = {m.name: dag.get_task(f"build_{layer}.{m.name}") for m in models(domain, layer)}
        for name, t in built.items():
            refs = {f"build_{layer}.{d}" for d in dependencies(model(domain, name)) if d in built}
            assert t.upstream_task_ids - {before} == refs, t.task_id
            assert (before in t.upstream_task_ids) == (not refs), t.task_id
        # the gate waits for the whole layer: every model is upstream of it
        assert {t.task_id for t in built.values()} <= set(
            dag.get_task(after).get_flat_relative_ids(upstream=True)
        )


@pytest.mark.parametrize("dag_id", domain_names())
def test_every_task_declares_the_assets_it_reads_and_writes(dagbag, dag_id):
    dag, domain = dagbag.dags[dag_id], load_domain(dag_id)
    inlets = {t.task_id: {a.name for a in t.inlets} for t in dag.tasks}
    outlets = {t.task_id: {a.name for a in t.outlets} for t in dag.tasks}
    files = {f"file.{domain.relation(d.name)}" for d in domain.datasets}
    bronze = {domain.qualified("bronze", d.name) for d in domain.datasets}
    assert outlets["generate"] == files
    assert inlets["load_bronze"] == files and inlets["commit_bronze"] == files
    assert outlets["commit_bronze"] == bronze
    for m in models(domain):
        task_id = f"build_{m.layer}.{m.name}"
        assert outlets[task_id] == {m.qualified}
        assert inlets[task_id] == {domain.qualified("bronze", s) for s in sources(m)} | {
            model(domain, d).qualified for d in dependencies(m)
        }
    reports = {f"report.{dag_id}.{name}" for name in domain.reports}
    assert outlets["publish"] == reports | {f"report.{dag_id}.dashboard.html"}
    assert inlets["publish"] == {m.qualified for m in models(domain, "gold")}


def test_a_gold_model_reading_several_silver_models_names_them_all(dagbag):
    inlets = {a.name for a in dagbag.dags["ecommerce"].get_task("build_gold.customer_360").inlets}
    silver = {qualified("ecommerce", "silver", m) for m in ("customers", "orders")}
    assert silver <= inlets


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


def test_the_teardown_gives_back_the_domain_it_was_built_for(dagbag, warehouse_url, monkeypatch):
    """The lease is the domain's, whatever the DAG that runs it is called."""
    from include.elt.warehouse import locks
    from include.orchestration import dag_builder

    transformer = roles(warehouse_url).transformer
    locks.acquire(transformer, "streaming", "run-1")
    run = SimpleNamespace(dag_id="streaming_backfills", run_id="run-1")
    ti = SimpleNamespace(get_task_states=lambda **_: {"run-1": {"publish": "success"}})
    monkeypatch.setattr(dag_builder, "get_current_context", lambda: {"dag_run": run, "ti": ti})
    dagbag.dags["streaming"].get_task("release_domain").python_callable()
    assert query(warehouse_url, "select count(*) from audit.domain_leases") == [(0,)]
