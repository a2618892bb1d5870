"""The bronze gate's batches: a view per table and run over the days that run loaded, made with
its commit, dropped once the run has published."""

from __future__ import annotations

from datetime import date, timedelta

from include.elt import pipeline
from include.elt.core.days import Days
from include.elt.warehouse import batches
from tests.conftest import roles
from tests.helpers import count, qualified, query, run_context

WINDOW = Days(date(2026, 6, 28), date(2026, 6, 30))
USAGE_LOGS = qualified("streaming", "bronze", "usage_logs")
PLANS = qualified("streaming", "bronze", "plans")


def _batch(run_id: str, dataset: str) -> str:
    return f"{batches.SCHEMA}.{batches.batch_name(f'streaming_{dataset}', run_id)}"


def _views(url: str) -> int:
    return query(url, "select count(*) from pg_views where schemaname = %s", [batches.SCHEMA])[0][0]


def test_each_run_has_its_batches_over_its_own_days_until_it_publishes(warehouse_url, tmp_path):
    warehouse = roles(warehouse_url)
    first = run_context(warehouse, tmp_path, "first", WINDOW, seed=5)
    pipeline.run(first, ["generate", "load_bronze", "commit_bronze"])
    day = WINDOW.end + timedelta(days=1)
    later = run_context(warehouse, tmp_path, "later", Days(day, day), seed=5)
    pipeline.run(later, ["generate", "load_bronze", "commit_bronze"])

    # each run's batch holds its own days, side by side; a reference table, all of it
    usage = "select count(*) from {} where session_start::date between %s and %s"
    for ctx in (first, later):
        days = [ctx.window.start, ctx.window.end]
        assert (
            count(warehouse_url, _batch(ctx.run_id, "usage_logs"))
            == query(warehouse_url, usage.format(USAGE_LOGS), days)[0][0]
        )
        assert count(warehouse_url, _batch(ctx.run_id, "plans")) == count(warehouse_url, PLANS)
    assert _views(warehouse_url) == 10  # five tables, two runs

    # the first run publishes; the next commit drops its batches, keeps the unpublished run's
    pipeline.run(first, ["validate_bronze", "build_silver", "validate_silver", "build_gold"])
    pipeline.run(first, ["validate_gold", "publish"])
    pipeline.run(later, ["commit_bronze"])  # a retry: its batches again, the published go
    assert _views(warehouse_url) == 5
    assert count(warehouse_url, _batch("later", "plans")) == count(warehouse_url, PLANS)
