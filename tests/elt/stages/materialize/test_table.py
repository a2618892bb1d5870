"""A ``table`` model: rebuilt whole into the stage, then moved into place."""

from __future__ import annotations

from tests.helpers import count, query

THINGS = "select g as thing_id, g * 10 as value from generate_series(1, 5) as g"


def test_a_table_is_built_whole_into_the_stage_then_moved_into_place(scratch):
    scratch.declare("silver", "things", THINGS, materialized="table", unique_key=["thing_id"])
    built, preview = scratch.build("things")
    assert (built.rows, built.rejected, built.days, preview) == (5, 0, None, None)
    assert count(scratch.superuser, "silver_stage.scratch_things") == 5
    assert [p.relation for p in scratch.publish()] == ["silver.scratch_things"]
    assert count(scratch.superuser, "silver.scratch_things") == 5
    assert query(scratch.superuser, "select to_regclass('silver_stage.scratch_things')") == [
        (None,)
    ]


def test_the_rows_a_table_rejects_wait_in_the_stage_and_are_published_with_it(scratch):
    sql = (
        "select g as thing_id, case when g = 3 then 'three is out' end as reject_reason"
        " from generate_series(1, 5) as g"
    )
    scratch.declare("silver", "things", sql, materialized="table", unique_key=["thing_id"])
    built, _ = scratch.build("things")
    assert (built.rows, built.rejected) == (4, 1)
    rejects = "select table_name, reason, record from {} where domain = 'scratch'"
    assert query(scratch.superuser, rejects.format("silver_stage.rejects")) == [
        ("silver.scratch_things", "three is out", {"thing_id": 3})
    ]
    scratch.publish()
    assert query(scratch.superuser, rejects.format("silver.rejects")) == [
        ("silver.scratch_things", "three is out", {"thing_id": 3})
    ]
    assert query(scratch.superuser, rejects.format("silver_stage.rejects")) == []
