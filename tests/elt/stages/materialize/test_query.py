"""What the materializations share: a model's query run into a temporary table, and the rows
it rejects routed to the stage's rejects."""

from __future__ import annotations

from include.elt.contract.models import model
from include.elt.stages.materialize import query as model_query
from include.elt.warehouse.connection import transaction

SQL = (
    "select g as thing_id, case when g = 3 then 'out' end as reject_reason"
    " from generate_series(1, 4) as g"
)


def test_a_models_rows_are_kept_apart_from_the_ones_it_rejects(scratch):
    scratch.declare("silver", "things", SQL, materialized="table", unique_key=["thing_id"])
    things = model(scratch.domain, "things")
    with transaction(scratch.url) as conn, conn.cursor() as cur:
        kept = model_query.materialize(cur, scratch.domain, things, set(), None)
        assert kept == [("thing_id", "integer")] and model_query.has_rejects(cur)
        cur.execute(f"select count(*) from _model {model_query.kept_rows(cur).as_string(cur)}")
        assert cur.fetchone() == (3,)
        assert model_query.route_rejects(cur, scratch.domain, things, "r", None) == 1
        conn.rollback()


def test_refs_read_the_stage_for_what_the_run_staged_else_what_is_published(scratch):
    scratch.declare(
        "silver", "things", "select 1 as thing_id", materialized="table", unique_key=["thing_id"]
    )
    scratch.declare("silver", "big", "select * from {{ ref('things') }}", materialized="view")
    big = model(scratch.domain, "big")
    with transaction(scratch.url) as conn, conn.cursor() as cur:
        staged = model_query.render_query(cur, scratch.domain, big, {"things"}, None)
        published = model_query.render_query(cur, scratch.domain, big, set(), None)
    assert '"silver_stage"."scratch_things"' in staged
    assert '"silver"."scratch_things"' in published
