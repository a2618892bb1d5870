"""Runs side by side, as a backfill runs them, and tasks done again after they succeeded, as a
retry does them: no deadlock, no run validating another's rows, no change from a retry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from include.elt import pipeline
from include.elt.core.days import Days
from include.elt.core.stages import STAGE_NAMES
from include.elt.stages.validate.targets import QualityError
from include.elt.warehouse import locks
from tests.conftest import new_warehouse, roles
from tests.helpers import concurrently, layer_state, plant_in_usage_file, query, run_context

WINDOW = Days(date(2026, 4, 1), date(2026, 4, 3))
SEED = 4
LOADS = ["generate", "load_bronze", "commit_bronze"]


def _day_after(days: int) -> Days:
    day = WINDOW.end + timedelta(days=days)
    return Days(day, day)


def test_commits_of_runs_side_by_side_never_deadlock(tmp_path):
    """Six days of ecommerce (13 bronze tables each) committed at once, three times over:
    every commit locks its tables, and makes its gate's batches over them, in one order. (Before,
    the commit locked in name order and the batches were made in declaration order: two runs
    could each hold a table the other waited for, and PostgreSQL failed one of them.)"""
    url = new_warehouse()
    warehouse = roles(url)
    history = run_context(warehouse, tmp_path, "history", WINDOW, domain="ecommerce", seed=SEED)
    pipeline.run(history, LOADS)
    for attempt in range(3):
        runs = [
            run_context(
                warehouse,
                tmp_path,
                f"day-{attempt}-{n}",
                _day_after(n),
                domain="ecommerce",
                seed=SEED,
                run_type="backfill",
            )
            for n in range(1, 7)
        ]
        for ctx in runs:
            pipeline.run(ctx, ["generate", "load_bronze"])
        assert concurrently(pipeline.commit_bronze, runs) == []


def _warehouse_after(tmp_path, stages: list[str]) -> dict:
    url = new_warehouse()
    history = run_context(roles(url), tmp_path / "history", "history", WINDOW, seed=SEED)
    pipeline.run(history)
    ctx = run_context(roles(url), tmp_path / "day", "day", _day_after(1), seed=SEED)
    for name in stages:
        pipeline.run(ctx, [name])
    state = layer_state(url, "streaming", "bronze", "silver", "gold")
    loads = query(
        url,
        "select dataset, first_day, last_day, row_count, replaced_rows from audit.loads"
        " where run_id = 'day' order by dataset",
    )
    return {"layers": state, "loads": loads}


def test_every_task_done_again_after_it_succeeded_leaves_the_warehouse_as_once(tmp_path):
    """A retry after success (its worker died before it could say so): each stage of a run done
    twice in a row leaves the warehouse as the stages done once. ``commit_bronze`` done again
    finds its swap committed: a no-op, not "not staged"."""
    once = _warehouse_after(tmp_path / "once", list(STAGE_NAMES))
    twice = _warehouse_after(tmp_path / "twice", [s for s in STAGE_NAMES for _ in range(2)])
    assert twice == once


def test_each_runs_bronze_gate_validates_its_own_days(tmp_path):
    """Two runs committed side by side, a fault planted in the second's file: the first's gate
    passes (it sees its own day, not the other's), the second's fails. (Before, one view per
    table served every run: the later commit's days were what both gates saw.)"""
    url = new_warehouse()
    warehouse = roles(url)
    pipeline.run(run_context(warehouse, tmp_path, "history", WINDOW, seed=SEED))
    clean, faulty = (
        run_context(warehouse, tmp_path, name, _day_after(n), seed=SEED, run_type="backfill")
        for n, name in ((1, "clean"), (2, "faulty"))
    )
    pipeline.run(clean, LOADS)
    pipeline.run(faulty, ["generate"])
    plant_in_usage_file(faulty)
    pipeline.run(faulty, ["load_bronze", "commit_bronze"])

    assert pipeline.validate(clean, "bronze").success
    locks.release(warehouse.validator, "streaming", clean.run_id)
    with pytest.raises(QualityError, match="completion_rate"):
        pipeline.validate(faulty, "bronze")


def test_each_runs_row_counts_are_held_to_its_own_loads_design(tmp_path):
    """A Saturday and a Monday of ecommerce committed side by side, the Monday last: the
    Saturday's gate holds its row counts to its own load's design (the design expects more
    rows on weekends), not to the Monday's. (Before, every gate took the design of whichever
    run had loaded last: a backfill's weekend day failed against a weekday's.)"""
    url = new_warehouse()
    warehouse = roles(url)
    # the default scale: counts large enough for the 5% band to tell the two designs apart
    world = {"domain": "ecommerce", "seed": SEED, "scale": "default"}
    pipeline.run(run_context(warehouse, tmp_path, "history", WINDOW, **world))
    saturday, monday = (
        run_context(warehouse, tmp_path, name, _day_after(n), run_type="backfill", **world)
        for n, name in ((1, "saturday"), (3, "monday"))
    )
    assert (saturday.window.start.isoweekday(), monday.window.start.isoweekday()) == (6, 1)
    pipeline.run(saturday, LOADS)
    pipeline.run(monday, LOADS)

    assert pipeline.validate(saturday, "bronze").success
    locks.release(warehouse.validator, "ecommerce", saturday.run_id)
    assert pipeline.validate(monday, "bronze").success
