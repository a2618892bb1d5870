"""A ``merge`` model: rebuilt and published by key."""

from __future__ import annotations

from datetime import date

import pytest

from include.elt.contract.models import ModelError
from include.elt.core.days import Days
from include.elt.stages.materialize.builder import Changes
from tests.helpers import query

DECLARED = dict(materialized="incremental", strategy="merge", unique_key=["k"])


def test_a_merge_replaces_the_rows_of_the_keys_it_changed_and_keeps_the_others(scratch):
    scratch.declare(
        "gold", "totals", "select g as k, 'first' as v from generate_series(1, 3) as g", **DECLARED
    )
    scratch.build("totals")
    scratch.publish()
    scratch.declare("gold", "totals", "select 2 as k, 'second' as v", **DECLARED)
    built, _ = scratch.build("totals", "next", Changes(Days.day(date(2026, 3, 2)), {}))
    assert built.rows == 1
    scratch.publish("next")
    assert query(scratch.superuser, "select k, v from gold.scratch_totals order by k") == [
        (1, "first"),
        (2, "second"),
        (3, "first"),
    ]


def test_a_merge_model_cannot_reject_rows(scratch):
    scratch.declare("gold", "totals", "select 1 as k, null::text as reject_reason", **DECLARED)
    with pytest.raises(ModelError, match="a merge model cannot route reject_reason"):
        scratch.build("totals")
