"""A domain's figures: its checks SQL, logged after a layer is loaded or built."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

from include.elt import pipeline
from include.elt.core.days import Days
from include.elt.stages.report.figures import report_figures
from tests.helpers import query, run_context
from tests.toy_domain import DOMAIN as TOY

WINDOW = Days(date(2026, 5, 1), date(2026, 5, 2))


def _with_checks(tmp_path, sql: str):
    """The toy domain with a bronze checks SQL of its own."""
    sql_root = tmp_path / "sql"
    shutil.copytree(TOY.sql_dir, sql_root / "toy")
    (sql_root / "toy/checks").mkdir()
    (sql_root / "toy/checks/bronze.sql").write_text(sql + "\n")
    return replace(TOY, sql_root=sql_root)


def test_figures_are_one_line_of_each_name_and_value(warehouse_url, tmp_path):
    domain = _with_checks(
        tmp_path,
        "select figure, value from (values ('visits', '12'), ('customers', '3'))"
        " as f (figure, value)",
    )
    assert report_figures(warehouse_url, domain, "r", "bronze") == "visits: 12; customers: 3"
    assert report_figures(warehouse_url, domain, "r", "silver") == ""  # it declares none


def test_a_layer_whose_figures_query_returns_no_rows_reports_none(
    warehouse_url, tmp_path, monkeypatch
):
    """A domain's checks SQL may find nothing to report (an empty day): the stage goes on."""
    domain = _with_checks(
        tmp_path,
        "select figure, value from (values ('visits', '1')) as f (figure, value) where false",
    )
    monkeypatch.setattr(pipeline, "load_domain", lambda name: domain)
    ctx = run_context(
        warehouse_url,
        tmp_path / "data",
        "no-figures",
        WINDOW,
        domain="toy",
        volumes={"customers": 100},
    )
    pipeline.run(ctx, ["generate", "load_bronze", "commit_bronze"])
    assert query(
        warehouse_url,
        "select status, detail from audit.task_runs"
        " where run_id = 'no-figures' and task = 'commit_bronze'",
    ) == [("success", None)]
