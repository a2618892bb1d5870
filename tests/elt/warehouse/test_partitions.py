"""Day partitions: planned, named, swapped in and merged (bronze's use of them:
tests/elt/stages/load/test_commit.py)."""

from __future__ import annotations

from datetime import date

from include.elt.core.days import Days
from include.elt.warehouse import partitions as parts
from include.elt.warehouse.connection import transaction
from tests.helpers import query


def test_a_window_is_a_partition_a_day_after_one_for_the_history_before():
    days = Days(date(2026, 1, 1), date(2026, 1, 3))
    assert parts.plan_ranges(days, date(2026, 1, 2)) == [
        Days.day(date(2026, 1, 1)),
        Days.day(date(2026, 1, 2)),
        Days.day(date(2026, 1, 3)),
    ]
    history = parts.plan_ranges(Days(date(2025, 6, 1), date(2026, 1, 3)), date(2026, 1, 1))
    assert history[0] == Days(date(2025, 6, 1), date(2025, 12, 31))


def test_months_past_the_horizon_are_one_partition_each():
    ranges = parts.plan_ranges(Days(date(2026, 1, 1), date(2026, 6, 30)))
    assert ranges[0] == Days(date(2026, 1, 1), date(2026, 1, 31))
    assert all(len(r) == 1 for r in ranges if r.start >= date(2026, 5, 1))


def test_a_partition_is_named_by_its_days():
    assert parts.suffix(Days.day(date(2026, 11, 22))) == "p20261122"
    assert parts.suffix(Days(date(2024, 1, 1), date(2026, 9, 21))) == "p20240101_20260921"


def test_a_day_swapped_into_a_range_splits_it_and_keeps_its_other_days(warehouse_url):
    whole = Days(date(2026, 3, 1), date(2026, 3, 3))
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create table public.t (day date not null, v text) partition by range (day)")
        table = parts.create_standalone(cur, "public", "t_old", "public.t", "day", "date", whole)
        cur.execute(
            "insert into public.t_old select d, 'old' from generate_series("
            "'2026-03-01'::date, '2026-03-03', '1 day') as d"
        )
        parts.add_partition(cur, "public.t", table, whole, "date")
        day = Days.day(date(2026, 3, 2))
        parts.create_standalone(cur, "public", "t_new", "public.t", "day", "date", day)
        cur.execute("insert into public.t_new values ('2026-03-02', 'new')")
        parts.swap_in(cur, "public", "t", "day", [("t_new", day)])
        assert [p.days for p in parts.partitions_of(cur, "public", "t")] == [
            Days.day(date(2026, 3, 1)),
            day,
            Days.day(date(2026, 3, 3)),
        ]
    assert query(warehouse_url, "select day, v from public.t order by day") == [
        (date(2026, 3, 1), "old"),
        (date(2026, 3, 2), "new"),
        (date(2026, 3, 3), "old"),
    ]
