"""Building a model into the stage: in one transaction, over the days its inputs changed."""

from __future__ import annotations

from datetime import date

import psycopg2
import pytest

from include.elt.contract.models import model
from include.elt.core.days import Days
from include.elt.stages.materialize.builder import Changes, days_to_rebuild
from include.elt.warehouse.ledger import StagedModel
from tests.elt.stages.materialize.test_table import THINGS
from tests.helpers import count, query
from tests.toy_domain import DOMAIN as TOY

VISITS, DAILY_VISITS = model(TOY, "visits"), model(TOY, "daily_visits")


def _day(n: int) -> date:
    return date(2026, 3, n)


def test_a_build_that_fails_leaves_the_stage_as_it_was(scratch):
    scratch.declare("silver", "things", THINGS, materialized="table", unique_key=["thing_id"])
    scratch.build("things")
    scratch.declare(
        "silver", "things", "select no_such_column", materialized="table", unique_key=["thing_id"]
    )
    with pytest.raises(psycopg2.errors.UndefinedColumn):
        scratch.build("things", "again")
    assert count(scratch.superuser, "silver_stage.scratch_things") == 5
    assert query(scratch.superuser, "select model, run_id from audit.staged_models") == [
        ("things", "r")
    ]


def test_an_incremental_model_rebuilds_the_days_its_inputs_changed():
    changes = Changes(Days.day(_day(10)), {"visits": Days(_day(1), _day(3))})
    # its bronze source was loaded over earlier days than the run's: those too
    assert days_to_rebuild(None, TOY, VISITS, changes, {}) == Days(_day(1), _day(10))
    # an incremental model it reads rebuilt other days: those too
    staged = {"visits": StagedModel("silver", Days(_day(5), _day(6)), 9)}
    assert days_to_rebuild(None, TOY, DAILY_VISITS, changes, staged) == Days(_day(5), _day(10))


def test_a_model_is_rebuilt_whole_when_the_run_or_what_it_reads_is():
    changes = Changes(Days.day(_day(10)), {})
    rebuilt_whole = {"visits": StagedModel("silver", None, 9)}
    assert days_to_rebuild(None, TOY, DAILY_VISITS, changes, rebuilt_whole) is None
    assert days_to_rebuild(None, TOY, DAILY_VISITS, None, {}) is None  # a full refresh
