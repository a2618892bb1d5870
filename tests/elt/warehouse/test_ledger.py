"""The audit ledger: what each stage records is what the later stages read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from include.elt.core.days import Days
from include.elt.core.runs import RunPlan, World
from include.elt.warehouse import ledger
from include.elt.warehouse.connection import transaction
from tests.helpers import query

PLAN = RunPlan(
    "manual", Days(date(2026, 3, 1), date(2026, 3, 5)), World.of("tiny", 3, {"x": 1}), True
)


def test_a_plan_reads_back_as_recorded_and_a_kept_one_is_not_overwritten(warehouse_url):
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        assert ledger.recorded_plan(cur, "toy", "r") is None
        ledger.record_plan(cur, "toy", "r", PLAN)
        ledger.record_plan(cur, "toy", "r", replace(PLAN, full_refresh=True), keep=True)
        assert ledger.recorded_plan(cur, "toy", "r") == PLAN
        ledger.record_plan(cur, "toy", "r", replace(PLAN, full_refresh=True))
        assert ledger.recorded_plan(cur, "toy", "r").full_refresh


def test_the_stored_world_spans_every_load_unless_one_replaces_it(warehouse_url):
    later = replace(PLAN, window=Days(date(2026, 3, 10), date(2026, 3, 11)))
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        ledger.record_world(cur, "toy", PLAN, "first")
        ledger.record_world(cur, "toy", later, "second")
        stored = ledger.stored_world(cur, "toy")
        assert (stored.first_day, stored.last_day, stored.run_id) == (
            date(2026, 3, 1),
            date(2026, 3, 11),
            "second",
        )
        assert stored.world == PLAN.world
        ledger.record_world(cur, "toy", replace(later, replace_history=True), "third")
        assert ledger.stored_world(cur, "toy").first_day == date(2026, 3, 10)


def test_a_models_days_are_kept_with_the_end_excluded_and_read_back_as_days(warehouse_url):
    days = Days(date(2026, 3, 2), date(2026, 3, 3))
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        for model, rebuilt in (("visits", days), ("customers", None)):
            ledger.record_staged(
                cur,
                "toy",
                "r",
                model,
                layer="silver",
                materialization="days",
                days=rebuilt,
                rows=5,
                rejected=0,
            )
        assert ledger.staged_models(cur, "toy", "r") == {
            "visits": ledger.StagedModel("silver", days, 5),
            "customers": ledger.StagedModel("silver", None, 5),
        }
        ledger.forget_staged(cur, "toy", model="visits")
        assert set(ledger.staged_models(cur, "toy", "r")) == {"customers"}
        ledger.forget_staged(cur, "toy", run_id="r")
        assert ledger.staged_models(cur, "toy", "r") == {}
    assert query(warehouse_url, "select window_end from audit.staged_models") == []


def test_a_build_is_recorded_with_the_days_it_rebuilt(warehouse_url):
    build = ledger.ModelBuild(
        "silver.toy_visits", "x.sql", "days", 5, 1, Days.day(date(2026, 3, 2))
    )
    assert build.span == "days 2026-03-02..2026-03-02"
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        ledger.record_build(cur, "r", "toy", build)
    assert query(warehouse_url, "select window_start, window_end from audit.model_builds") == [
        (date(2026, 3, 2), date(2026, 3, 3))
    ]


def test_loads_are_read_back_as_the_days_of_each_dataset(warehouse_url):
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        for dataset, days in (("visits", Days.day(date(2026, 3, 2))), ("customers", None)):
            ledger.record_load(
                cur,
                "r",
                "toy",
                dataset,
                days,
                rows=3,
                replaced=0,
                world_replaced=False,
                expected_rows=None,
            )
        assert ledger.loaded_days(cur, "toy", "r") == {
            "visits": Days.day(date(2026, 3, 2)),
            "customers": None,
        }
