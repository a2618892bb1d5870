"""Publishing what a run staged, in one transaction (a reader's view of it:
tests/elt/test_daily.py)."""

from __future__ import annotations

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
