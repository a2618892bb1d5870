"""A model that fails fails its own task: its siblings still build, what reads it and the gate
do not run, nothing is published, and the teardown gives the domain back.

The toy domain again (tests/toy_domain), copied with one more silver model whose SQL reads a
column bronze does not have, run in-process with ``dag.test()`` against a throwaway warehouse.
"""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest
from airflow.dag_processing.dagbag import DagBag

from include.elt.contract.domain import DOMAIN_PACKAGES_ENV
from tests.helpers import in_process, query
from tests.toy_domain import DOMAIN as TOY

NAME = "brokentoy"
BROKEN = "visits_broken"


@pytest.fixture
def broken_dag(tmp_path, monkeypatch):
    sql = tmp_path / "sql" / NAME
    shutil.copytree(TOY.sql_dir, sql)
    (sql / "silver" / f"{BROKEN}.sql").write_text(
        "select visit_id, no_such_column from {{ source('visits') }}\n"
    )
    (sql / "silver" / f"{BROKEN}.yml").write_text(
        "grain: one row per visit_id\nmaterialized: table\nunique_key: [visit_id]\nsuite: visits\n"
    )
    package = tmp_path / "packages" / NAME
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        textwrap.dedent(
            f"""
            from dataclasses import replace
            from pathlib import Path

            from tests.toy_domain import DOMAIN as TOY

            DOMAIN = replace(TOY, name={NAME!r}, sql_root=Path({str(tmp_path / "sql")!r}))
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path / "packages"))
    monkeypatch.setenv(DOMAIN_PACKAGES_ENV, NAME)
    # dag.test() finds a DAG in the dags folder: this one holds the broken domain's alone
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / f"{NAME}.py").write_text(
        textwrap.dedent(
            f"""
            # An Airflow DAG file (DagBag skips files naming neither "airflow" nor "dag").
            from datetime import UTC, datetime

            from include.orchestration.dag_builder import build_domain_dag

            dag = build_domain_dag(
                {NAME!r},
                schedule=None,
                start_date=datetime(2026, 1, 1, tzinfo=UTC),
                default_args={{"owner": "tests", "retries": 0}},
                tags=["elt"],
            )
            """
        )
    )
    bundle = {
        "name": "dags-folder",
        "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
        "kwargs": {"path": str(dags)},
    }
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps([bundle]))
    return in_process(DagBag(dag_folder=str(dags)).dags[NAME])


def test_a_failing_model_fails_its_own_task_and_nothing_is_published(
    airflow_db, warehouse_url, data_dir, broken_dag
):
    run = broken_dag.test(run_conf={"scale": "tiny", "start": "2026-03-01", "end": "2026-03-03"})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}

    assert run.state == "failed"
    assert states[f"build_silver.{BROKEN}"] == "failed"
    assert states["build_silver.visits"] == "success"  # its sibling built all the same
    for downstream in ("validate_silver", "build_gold.daily_visits", "validate_gold", "publish"):
        assert states[downstream] == "upstream_failed", downstream
    # the teardown gave the domain back, and fails the run with it (it is the run's verdict)
    assert states["release_domain"] == "failed"
    assert query(warehouse_url, "select count(*) from audit.domain_leases") == [(0,)]
    failure = query(
        warehouse_url,
        "select detail from audit.task_runs where task = %s and status = 'failed'",
        [f"build_silver.{BROKEN}"],
    )
    assert "no_such_column" in failure[0][0]
    published = query(
        warehouse_url,
        "select count(*) from pg_tables where schemaname in ('silver', 'gold')"
        " and tablename like %s",
        [f"{NAME}\\_%"],
    )
    assert published == [(0,)]
