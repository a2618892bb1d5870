"""Committing staged files into bronze (commit_bronze) against a real PostgreSQL: day
partitions swapped in, idempotent, atomic, one world at a time, locked."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import psycopg2
import pytest

from include.domains.streaming import LAUNCH_DAY
from include.elt.core.days import Days
from include.elt.core.errors import PlanError
from include.elt.core.runs import RunPlan, World
from include.elt.stages.generate import generate
from include.elt.stages.load.staging import LoadError
from include.elt.warehouse.locks import LockTimeout
from tests.elt.stages.load.conftest import (
    END,
    RUN,
    USAGE_LOGS,
    WINDOW,
    bronze_state,
    file_entry,
    folder,
    partitions,
)
from tests.helpers import concurrently, count, load, query


def test_bronze_holds_a_partition_per_day_and_one_for_the_history_before(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, RUN)
    days = [Days.day(d) for d in WINDOW]
    assert partitions(warehouse, "usage_logs") == days
    # customers since launch: the days before the window in one partition, then one a day
    assert partitions(warehouse, "customers") == [Days.until(LAUNCH_DAY, WINDOW.start), *days]


def test_reloading_the_same_days_leaves_bronze_identical(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, RUN)
    before = bronze_state(warehouse)
    results = load(warehouse_url, manifest, "run-2")
    assert bronze_state(warehouse) == before
    assert all(r.replaced_rows == r.rows for r in results)


def test_loading_a_day_replaces_only_that_day(warehouse, warehouse_url, domain, manifest, tmp_path):
    load(warehouse_url, manifest, "window")
    last_day = generate(
        domain, Days(END, END), scale="tiny", seed=5, out_dir=folder(tmp_path, "day")
    )
    load(warehouse_url, last_day, "day-run")
    by_run = dict(query(warehouse, f"select _run_id, count(*) from {USAGE_LOGS} group by 1"))
    assert by_run["day-run"] == file_entry(last_day, "usage_logs").rows
    days_kept = query(
        warehouse,
        f"select count(distinct session_start::date) from {USAGE_LOGS} where _run_id = 'window'",
    )[0][0]
    assert days_kept == 2


def test_a_day_inside_the_earlier_history_splits_its_partition(
    warehouse, warehouse_url, domain, manifest, tmp_path
):
    load(warehouse_url, manifest, "window")
    before = bronze_state(warehouse)
    inside = WINDOW.start - timedelta(days=100)
    backfill = generate(
        domain, Days(inside, inside), scale="tiny", seed=5, out_dir=folder(tmp_path, "b")
    )
    load(warehouse_url, backfill, "backfill")
    after = partitions(warehouse, "customers")
    assert after[:3] == [
        Days.until(LAUNCH_DAY, inside),
        Days.day(inside),
        Days.until(inside + timedelta(days=1), WINDOW.start),
    ]
    # the same world: the days the backfill did not cover kept their rows, the rest reloaded
    after_state = bronze_state(warehouse)
    for table in ("customers", "subscriptions"):
        assert after_state[table] == before[table]


def test_concurrent_loads_of_the_same_day_never_both_apply(
    warehouse, warehouse_url, domain, manifest
):
    entry = file_entry(manifest, "usage_logs")
    errors = concurrently(
        lambda run_id: load(warehouse_url, manifest, run_id),
        [f"concurrent-{i}" for i in range(4)],
    )
    assert not errors
    assert count(warehouse, USAGE_LOGS) == entry.rows
    assert len(query(warehouse, f"select distinct _run_id from {USAGE_LOGS}")) == 1


def test_a_lock_held_elsewhere_fails_the_load_within_its_timeout_naming_it(
    warehouse, warehouse_url, domain, manifest, monkeypatch
):
    monkeypatch.setenv("ELT_LOCK_TIMEOUT", "1s")
    holder = psycopg2.connect(warehouse)
    try:
        with holder.cursor() as cur:
            cur.execute("select pg_advisory_lock(hashtext(%s))", [USAGE_LOGS])
        started = time.monotonic()
        with pytest.raises(LockTimeout, match=f"1s waiting for lock '{re.escape(USAGE_LOGS)}'"):
            load(warehouse_url, manifest, "blocked")
        assert time.monotonic() - started < 10
    finally:
        holder.close()
    assert count(warehouse, USAGE_LOGS) == 0


def test_another_world_is_refused_unless_it_replaces_the_history(
    warehouse, warehouse_url, domain, tmp_path
):
    first = generate(domain, WINDOW, scale="tiny", seed=5, out_dir=folder(tmp_path, "a"))
    load(warehouse_url, first, "world-a")
    before = bronze_state(warehouse)
    other = generate(domain, Days(END, END), scale="tiny", seed=6, out_dir=folder(tmp_path, "b"))
    with pytest.raises(PlanError, match="holds the world scale=tiny seed=5"):
        load(warehouse_url, other, "world-b")
    assert bronze_state(warehouse) == before

    replacing = RunPlan(
        "manual", Days(END, END), World.of("tiny", 6), opens_history=True, replace_history=True
    )
    other = generate(
        domain, Days(END, END), scale="tiny", seed=6, out_dir=folder(tmp_path, "c"), plan=replacing
    )
    load(warehouse_url, other, "world-b")
    # nothing of world A survives, even days B does not cover
    assert query(warehouse, f"select distinct _run_id from {USAGE_LOGS}") == [("world-b",)]
    assert query(warehouse, "select scale, seed, first_day from audit.domain_profiles") == [
        ("tiny", 6, END)
    ]


def test_a_failing_replacement_leaves_the_old_world_whole(
    warehouse, warehouse_url, domain, tmp_path
):
    first = generate(domain, WINDOW, scale="tiny", seed=5, out_dir=folder(tmp_path, "a"))
    load(warehouse_url, first, "world-a")
    before = bronze_state(warehouse)
    replacing = RunPlan(
        "manual", WINDOW, World.of("tiny", 6), opens_history=True, replace_history=True
    )
    other = generate(
        domain, WINDOW, scale="tiny", seed=6, out_dir=folder(tmp_path, "b"), plan=replacing
    )
    broken = other.path_of(file_entry(other, "customers"))
    broken.write_text(broken.read_text().replace(",", ";", 3))
    with pytest.raises(LoadError, match=r"customers\.csv:"):
        load(warehouse_url, other, "world-b")
    assert bronze_state(warehouse) == before
    assert query(warehouse, "select seed from audit.domain_profiles") == [(5,)]


def test_months_past_the_horizon_are_merged_and_a_day_in_them_can_still_be_replaced(
    warehouse, warehouse_url, domain, tmp_path
):
    long = Days(date(2026, 1, 1), date(2026, 6, 30))
    manifest = generate(domain, long, scale="tiny", seed=5, out_dir=folder(tmp_path, "long"))
    load(warehouse_url, manifest, "long")
    horizon = long.end + timedelta(days=1) - timedelta(days=62)
    ranges = partitions(warehouse, "usage_logs")
    merged = [r for r in ranges if len(r) > 1]
    assert merged == [
        Days.until(date(2026, month, 1), date(2026, month + 1, 1)) for month in (1, 2, 3)
    ]  # April ends after the horizon: it keeps a partition per day
    assert all(len(r) == 1 for r in ranges if r.start >= horizon)
    before = bronze_state(warehouse)

    day = date(2026, 2, 10)  # a rerun of one day inside a merged month
    rerun = generate(
        domain, Days(day, day), scale="tiny", seed=5, out_dir=folder(tmp_path, "rerun")
    )
    load(warehouse_url, rerun, "rerun")
    assert bronze_state(warehouse)["usage_logs"] == before["usage_logs"]
    assert query(
        warehouse,
        f"select count(*) from {USAGE_LOGS} where _run_id = 'rerun' and session_start::date = %s",
        [day],
    ) == [(file_entry(rerun, "usage_logs").rows,)]
    # the day replaced its part of the month, and the month is one partition again
    assert Days.until(date(2026, 2, 1), date(2026, 3, 1)) in partitions(warehouse, "usage_logs")
