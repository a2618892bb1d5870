"""A ``days`` model: a partition a day, rebuilt and published day by day."""

from __future__ import annotations

from datetime import date

import pytest

from include.elt.contract.models import ModelError
from include.elt.core.days import Days
from include.elt.stages.materialize.builder import Changes
from include.elt.warehouse import partitions as parts
from include.elt.warehouse.connection import transaction
from tests.helpers import count, query

DAYS = """select d::date as day, extract(day from d)::int as event_id
from generate_series('2026-03-01'::date, '2026-03-03'::date, interval '1 day') as d"""
WITHIN = " where d >= {{ window_start }} and d < {{ window_end }}"
DAY = Days.day(date(2026, 3, 2))
DECLARED = dict(
    materialized="incremental", strategy="days", partition_by="day", unique_key=["event_id"]
)


def _partitions(url: str, schema: str, table: str) -> list[Days]:
    with transaction(url) as conn, conn.cursor() as cur:
        return [p.days for p in parts.partitions_of(cur, schema, table)]


def test_a_days_model_is_published_a_partition_a_day_and_rebuilt_a_day_at_a_time(scratch):
    scratch.declare("silver", "events", DAYS + WITHIN, **DECLARED)
    built, _ = scratch.build("events")
    assert (built.rows, built.days) == (3, None)
    scratch.publish()
    assert _partitions(scratch.superuser, "silver", "scratch_events") == [
        Days.day(date(2026, 3, d)) for d in (1, 2, 3)
    ]
    assert query(scratch.superuser, "select day, key_min, key_max from audit.partitions") == [
        (date(2026, 3, d), str(d), str(d)) for d in (1, 2, 3)
    ]
    built, _ = scratch.build("events", "next", Changes(DAY, {}))
    assert (built.rows, built.days) == (1, DAY)
    assert _partitions(scratch.superuser, "silver_stage", "scratch_events__changes") == [DAY]
    assert count(scratch.superuser, "silver_stage.scratch_events") == 3  # the next state


def test_a_days_model_reading_outside_its_days_is_refused_naming_its_file(scratch):
    scratch.declare("silver", "events", DAYS, **DECLARED)
    scratch.build("events")
    scratch.publish()
    with pytest.raises(ModelError, match=r"events\.sql: 2 rows fall outside the window 2026-03-02"):
        scratch.build("events", "next", Changes(DAY, {}))
