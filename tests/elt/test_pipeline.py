"""The whole flow through the platform functions (what the CLI runs), on a real warehouse."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import replace
from datetime import date
from itertools import groupby

import pytest

from include.elt import pipeline
from include.elt.contract import domain as domain_module
from include.elt.core.days import Days
from include.elt.core.errors import PlanError
from include.elt.core.stages import STAGE_NAMES, stage_of
from include.elt.stages.validate.targets import QualityError
from tests.conftest import REPO, new_warehouse, role_env, roles, superuser
from tests.helpers import (
    assert_gold_previews_are_published,
    count,
    layer_state,
    outside_loads,
    qualified,
    query,
    run_context,
    warehouse_state,
)

WINDOW = Days(date(2026, 5, 1), date(2026, 5, 7))
BRONZE_USAGE_LOGS = qualified("streaming", "bronze", "usage_logs")
USAGE_LOGS = qualified("streaming", "silver", "usage_logs")
TOP_CONTENT = qualified("streaming", "gold", "top_content")
ENGAGEMENT = qualified("streaming", "gold", "engagement")
TOP_CONTENT_COLUMNS = [
    "content_id",
    "title",
    "genre",
    "total_watch_hours",
    "unique_viewers",
    "avg_completion_rate",
]
ENGAGEMENT_COLUMNS = [
    "customer_id",
    "name",
    "avg_watch_minutes_per_session",
    "avg_completion_rate",
    "total_sessions",
]
KEYS = {
    USAGE_LOGS: "usage_id",
    qualified("streaming", "silver", "customers"): "customer_id",
    TOP_CONTENT: "content_id",
    ENGAGEMENT: "customer_id",
}


@pytest.fixture(scope="module")
def completed_run(tmp_path_factory):
    url = new_warehouse()
    data_dir = tmp_path_factory.mktemp("pipeline") / "data"
    ctx = run_context(url, data_dir, "first", WINDOW)
    pipeline.run(ctx)
    return ctx


def test_a_run_publishes_gold_reports_docs_and_audit(completed_run):
    ctx = completed_run
    url = superuser(ctx)
    assert count(url, TOP_CONTENT) > 50
    assert count(url, ENGAGEMENT) > 100
    with (ctx.reports_dir / "top_content_report.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == TOP_CONTENT_COLUMNS
    assert len(rows) - 1 == count(url, TOP_CONTENT)
    hours = [float(r[3]) for r in rows[1:]]
    assert hours == sorted(hours, reverse=True)
    with (ctx.reports_dir / "engagement_report.csv").open() as f:
        assert next(csv.reader(f)) == ENGAGEMENT_COLUMNS
    audit = query(
        url,
        "select task, status, rows_out from audit.task_runs"
        " where run_id = 'first' order by started_at",
    )
    assert [stage for stage, _ in groupby(stage_of(a[0]) for a in audit)] == list(STAGE_NAMES)
    assert all(a[1] == "success" for a in audit)
    site = ctx.gx_dir / "gx/uncommitted/data_docs/local_site"
    assert (site / "index.html").is_file()
    assert outside_loads(site) == {}
    log_lines = ctx.analytics_log.read_text().splitlines()
    assert any(
        f"view {TOP_CONTENT} from sql/streaming/gold/top_content.sql:" in line for line in log_lines
    )


def test_the_analytics_log_previews_each_gold_relation_as_it_is_published(completed_run):
    assert_gold_previews_are_published(
        superuser(completed_run), "streaming", completed_run.analytics_log
    )


def test_rerunning_the_same_window_leaves_the_warehouse_identical(completed_run):
    url = superuser(completed_run)
    before = warehouse_state(url)
    pipeline.run(run_context(url, completed_run.data_dir, "second", WINDOW))
    assert warehouse_state(url) == before
    for relation, key in KEYS.items():
        duplicates = query(url, f"select count(*) - count(distinct {key}) from {relation}")[0][0]
        assert duplicates == 0, relation


def test_bad_data_fails_its_checkpoint_and_gold_is_not_published(completed_run):
    url, data_dir = superuser(completed_run), completed_run.data_dir
    report = completed_run.reports_dir / "top_content_report.csv"
    published = report.read_bytes()
    gold_before = layer_state(url, "streaming", "gold")
    bad = run_context(url, data_dir, "bad", WINDOW)
    pipeline.run(bad, ["generate"])
    usage = bad.run_folder / "usage_logs.csv"
    lines = usage.read_text().splitlines()
    for i in range(1, len(lines), 10):  # every tenth session claims 350% completion
        lines[i] = lines[i].rsplit(",", 1)[0] + ",3.5"
    usage.write_text("\n".join(lines) + "\n")
    with pytest.raises(QualityError, match="completion_rate"):
        pipeline.run(bad, [s for s in STAGE_NAMES if s != "generate"])
    assert report.read_bytes() == published
    assert layer_state(url, "streaming", "gold") == gold_before
    audit = query(url, "select task, status from audit.task_runs where run_id = 'bad'")
    assert {stage_of(task): status for task, status in audit} == {
        "generate": "success",
        "load_bronze": "success",
        "commit_bronze": "success",
        "validate_bronze": "failed",
    }
    detail = query(
        url, "select detail from audit.task_runs where run_id = 'bad' and status = 'failed'"
    )
    assert "expect_column_values_to_be_between" in detail[0][0]


def test_silver_routes_rule_breaking_rows_to_rejects_with_the_reason(completed_run):
    url = superuser(completed_run)
    ctx = run_context(url, completed_run.data_dir, "rejects-test", WINDOW)
    pipeline.run(ctx, ["generate", "load_bronze", "commit_bronze"])
    bad_id = query(
        url,
        f"insert into {BRONZE_USAGE_LOGS}"
        " (usage_id, customer_id, subscription_id, content_id, session_start, device,"
        "  duration_watched, completion_rate, _run_id, _source_file)"
        " select u.usage_id + 1, u.customer_id, u.subscription_id, u.content_id,"
        "  u.session_start, u.device, 0.01, u.completion_rate, 'manual', 'test'"
        f" from {BRONZE_USAGE_LOGS} as u order by u.usage_id desc limit 1"
        " returning usage_id",
    )[0][0]
    pipeline.run(ctx, list(STAGE_NAMES[STAGE_NAMES.index("validate_bronze") :]))
    reason = "duration_watched outside 25-100% of the content"
    rejects = query(
        url,
        "select table_name, reason, day from silver.rejects"
        " where run_id = 'rejects-test' and (record->>'usage_id')::bigint = %s",
        [bad_id],
    )
    assert rejects == [(USAGE_LOGS, reason, WINDOW.end)]
    assert query(url, f"select count(*) from {USAGE_LOGS} where usage_id = %s", [bad_id]) == [(0,)]
    # a rerun of the same days replaces their rejects: never twice the same row
    pipeline.run(run_context(url, completed_run.data_dir, "after", WINDOW))
    assert query(
        url,
        "select count(*) from silver.rejects where (record->>'usage_id')::bigint = %s",
        [bad_id],
    ) == [(0,)]


def test_cli_reports_a_missing_run_clearly(tmp_path, warehouse_url):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts/elt.py"),
            "load",
            "--start",
            "2026-01-01",
            "--end",
            "2026-01-02",
        ],
        capture_output=True,
        text=True,
        env={**role_env(warehouse_url), "ELT_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 1
    assert "run the generate stage for this run first" in result.stderr


def test_cli_generates_without_a_warehouse(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts/elt.py"),
            "generate",
            "--scale",
            "tiny",
            "--start",
            "2026-01-01",
            "--end",
            "2026-01-02",
            "--run-id",
            "cli",
        ],
        capture_output=True,
        text=True,
        env={"ELT_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "runs/streaming/cli/usage_logs.csv").is_file()


@pytest.mark.parametrize(
    ("volume", "outcome"),
    [
        ("orders=300", "runs/ecommerce/vol/orders.csv"),
        ("planets=3", "volumes planets are taken by no domain: name one with --domain"),
    ],
)
def test_cli_volumes_pick_the_domain_that_takes_them(tmp_path, volume, outcome):
    result = subprocess.run(
        [
            *(sys.executable, str(REPO / "scripts/elt.py"), "generate", "--volume", volume),
            *("--scale", "tiny", "--days", "1", "--end", "2025-11-15", "--run-id", "vol"),
        ],
        capture_output=True,
        text=True,
        env={"ELT_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    if outcome.startswith("runs/"):
        assert result.returncode == 0, result.stderr
        assert (tmp_path / outcome).is_file()
    else:
        assert result.returncode == 1
        assert result.stderr.strip() == f"error: {outcome}"


def test_later_stages_read_the_plan_an_offline_generate_made(warehouse_url, tmp_path):
    """The CLI's `generate` needs no warehouse, so it records no plan: the load records the one
    its manifest carries, and every later stage reads that one."""
    offline = replace(
        run_context(warehouse_url, tmp_path / "data", "offline", WINDOW), warehouse=None
    )
    pipeline.run(offline, ["generate"])
    decided = pipeline.make_plan(offline)
    ctx = replace(offline, warehouse=roles(warehouse_url))
    pipeline.run(ctx, ["load_bronze", "commit_bronze"])
    assert pipeline.plan(ctx, "build_silver") == decided
    assert query(
        warehouse_url,
        "select window_start, window_end, full_refresh from audit.runs where run_id = 'offline'",
    ) == [(WINDOW.start, WINDOW.end, decided.full_refresh)]


def test_a_stage_of_a_run_nobody_planned_is_refused(warehouse_url, tmp_path):
    ctx = run_context(warehouse_url, tmp_path / "data", "planned", WINDOW)
    pipeline.run(ctx, ["generate", "load_bronze", "commit_bronze"])
    with pytest.raises(PlanError, match="no plan for run 'typo'"):
        pipeline.run(replace(ctx, run_id="typo"), ["build_silver"])


def test_a_run_context_finds_its_domain_once(tmp_path, monkeypatch):
    scans = []
    find = domain_module._packages
    monkeypatch.setattr(domain_module, "_packages", lambda: scans.append(1) or find())
    ctx = run_context(new_warehouse(), tmp_path, "once", WINDOW)
    assert ctx.domain is ctx.domain is ctx.domain
    assert len(scans) <= 1
