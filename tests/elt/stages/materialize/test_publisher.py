"""Publishing what a run staged, in one transaction (a reader's view of it:
tests/elt/test_daily.py)."""

from __future__ import annotations

from include.elt.stages.materialize.builder import Changes
from tests.conftest import _server
from tests.elt.stages.materialize.test_days import DAY, DAYS, WITHIN
from tests.elt.stages.materialize.test_table import THINGS
from tests.helpers import count, query


def _declare_a_view(scratch) -> None:
    scratch.declare("silver", "things", THINGS, materialized="table", unique_key=["thing_id"])
    scratch.declare(
        "silver", "big", "select * from {{ ref('things') }} where value > 20", materialized="view"
    )


def test_a_publish_moves_what_its_run_staged_and_leaves_another_runs(scratch):
    scratch.declare("silver", "things", THINGS, materialized="table", unique_key=["thing_id"])
    scratch.build("things", "a")
    assert scratch.publish("b") == []
    assert query(scratch.superuser, "select to_regclass('silver.scratch_things')") == [(None,)]
    assert query(scratch.superuser, "select run_id from audit.staged_models") == [("a",)]
    published = scratch.publish("a")
    assert [(p.relation, p.materialization, p.rows) for p in published] == [
        ("silver.scratch_things", "table", 5)
    ]
    assert query(scratch.superuser, "select count(*) from audit.staged_models") == [(0,)]


def test_every_publish_re_creates_the_views_over_what_is_published(scratch):
    _declare_a_view(scratch)
    scratch.build("things")
    scratch.build("big")
    scratch.publish()
    assert scratch.publish("nothing staged") == []
    assert count(scratch.superuser, "silver.scratch_big") == 3


def test_a_new_gold_model_of_any_materialization_is_readable_by_the_analyst(scratch):
    days = dict(materialized="incremental", strategy="days", partition_by="day")
    merge = dict(materialized="incremental", strategy="merge")
    scratch.declare("gold", "things", THINGS, materialized="table", unique_key=["thing_id"])
    scratch.declare("gold", "big", "select * from {{ ref('things') }}", materialized="view")
    scratch.declare("gold", "events", DAYS + WITHIN, unique_key=["event_id"], **days)
    scratch.declare("gold", "totals", "select 1 as k, 'v' as v", unique_key=["k"], **merge)
    new = ["things", "big", "events", "totals"]
    analyst = _server.role_url("analyst", scratch.superuser.rsplit("/", 1)[1])
    for run_id, changes in (("first", None), ("next", Changes(DAY, {}))):
        for name in new:
            scratch.build(name, run_id, changes)
        scratch.publish(run_id)
        for name in new:  # raises "permission denied" if the analyst cannot read it
            assert count(analyst, f"gold.scratch_{name}") > 0
