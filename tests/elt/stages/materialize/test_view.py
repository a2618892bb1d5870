"""A ``view`` model: over what the run staged while it is gated, over what is published once it
is."""

from __future__ import annotations

from tests.elt.stages.materialize.test_table import THINGS
from tests.helpers import count, query


def test_a_view_reads_what_the_run_staged_and_then_what_is_published(scratch):
    scratch.declare("silver", "things", THINGS, materialized="table", unique_key=["thing_id"])
    scratch.declare(
        "silver", "big", "select * from {{ ref('things') }} where value > 20", materialized="view"
    )
    scratch.build("things")
    built, _ = scratch.build("big")
    assert built.rows == 3
    definition = "select pg_get_viewdef(%s)"
    assert (
        "silver_stage.scratch_things"
        in query(scratch.superuser, definition, ["silver_stage.scratch_big"])[0][0]
    )
    scratch.publish()
    published = query(scratch.superuser, definition, ["silver.scratch_big"])[0][0]
    assert "silver.scratch_things" in published and "silver_stage" not in published
    assert count(scratch.superuser, "silver.scratch_big") == 3
