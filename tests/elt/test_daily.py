"""Daily operation on a real warehouse: incremental runs equal one big run, gates protect what
readers see, and the history is only replaced on request."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import psycopg2
import pytest

from include.elt import pipeline
from include.elt.core.days import Days
from include.elt.core.errors import PlanError
from include.elt.core.stages import STAGE_NAMES, stage_of
from include.elt.stages.validate.targets import QualityError
from tests.conftest import new_warehouse, superuser
from tests.helpers import (
    assert_gold_previews_are_published,
    count,
    layer_state,
    qualified,
    query,
    run_context,
    warehouse_state,
)

FIRST = date(2026, 3, 1)
DAYS = 30
LAST = FIRST + timedelta(days=DAYS - 1)
BRONZE_USAGE_LOGS = qualified("streaming", "bronze", "usage_logs")
BRONZE_SUBSCRIPTIONS = qualified("streaming", "bronze", "subscriptions")
BRONZE_CUSTOMERS = qualified("streaming", "bronze", "customers")
USAGE_LOGS = qualified("streaming", "silver", "usage_logs")
STAGED_USAGE_LOGS = qualified("streaming", "silver_stage", "usage_logs__changes")
DAILY_USAGE = qualified("streaming", "gold", "daily_usage")
TOP_CONTENT = qualified("streaming", "gold", "top_content")
ENGAGEMENT = qualified("streaming", "gold", "engagement")


def _day(url, data_dir, day: date, run_type: str = "scheduled", run_id: str | None = None):
    ctx = run_context(
        url, data_dir, run_id or f"{run_type}__{day}", Days(day, day), run_type=run_type
    )
    pipeline.run(ctx)
    return ctx


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> dict:
    url = new_warehouse()
    pipeline.run(
        run_context(url, tmp_path_factory.mktemp("one") / "data", "one", Days(FIRST, LAST))
    )
    return warehouse_state(url)


def test_daily_runs_reruns_and_backfills_equal_one_run(one_run, tmp_path):
    url, data_dir = new_warehouse(), tmp_path / "data"
    missed = [FIRST + timedelta(days=18), FIRST + timedelta(days=19)]  # the scheduler was down
    _day(url, data_dir, FIRST, run_type="manual")  # the first run opens the history
    for offset in range(1, DAYS):
        day = FIRST + timedelta(days=offset)
        if day not in missed:
            _day(url, data_dir, day)
    _day(url, data_dir, missed[1], run_type="backfill")  # out of order, after later days
    assert warehouse_state(url) == one_run

    rerun = _day(url, data_dir, FIRST + timedelta(days=14), run_id="rerun")  # a day in the middle
    assert warehouse_state(url) == one_run
    # what it logged of gold is what readers see: the days it did not rebuild too
    assert_gold_previews_are_published(url, "streaming", rerun.analytics_log)

    # Every daily run rebuilt its own day of the fact and the daily mart, not the history; the
    # one after the missed days caught them up.
    windows = query(
        url,
        "select run_id, window_end - window_start from audit.model_builds"
        " where run_id like 'scheduled%%' and relation in (%s, %s)",
        [USAGE_LOGS, DAILY_USAGE],
    )
    caught_up = f"scheduled__{missed[1] + timedelta(days=1)}"
    assert {days for run_id, days in windows if run_id != caught_up} == {1}
    assert {days for run_id, days in windows if run_id == caught_up} == {len(missed) + 1}


@pytest.fixture
def published_run(tmp_path):
    url, data_dir = new_warehouse(), tmp_path / "data"
    ctx = run_context(url, data_dir, "history", Days(FIRST, FIRST + timedelta(days=4)))
    pipeline.run(ctx)
    return ctx


def test_a_failing_silver_gate_leaves_published_silver_and_gold_unchanged(published_run):
    url, data_dir = superuser(published_run), published_run.data_dir
    before = layer_state(url, "streaming", "silver", "gold")
    day = FIRST + timedelta(days=5)
    bad = run_context(url, data_dir, "bad", Days(day, day), run_type="scheduled")
    pipeline.run(bad, ["generate", "load_bronze", "commit_bronze"])
    # A fault only the table-wide check can see: today's session reuses an id of yesterday's.
    planted = query(
        url,
        f"insert into {BRONZE_USAGE_LOGS} select u.usage_id, u.customer_id,"
        " u.subscription_id, u.content_id, %s::timestamp + interval '12 hours', u.device,"
        " u.duration_watched, u.completion_rate, 'planted', 'test', now()"
        f" from {BRONZE_USAGE_LOGS} as u join {BRONZE_SUBSCRIPTIONS} as s"
        " using (subscription_id) where u.session_start::date = %s - 1"
        " and coalesce(s.end_date, 'infinity') > %s"
        " order by u.usage_id limit 1 returning usage_id",
        [day, day, day],
    )[0][0]
    with pytest.raises(QualityError, match="usage_id is unique across all days"):
        pipeline.run(bad, list(STAGE_NAMES[STAGE_NAMES.index("validate_bronze") :]))

    assert layer_state(url, "streaming", "silver", "gold") == before
    tasks = dict(query(url, "select task, status from audit.task_runs where run_id = 'bad'"))
    assert tasks["validate_silver"] == "failed"
    assert not any(stage_of(task) == "build_gold" for task in tasks)
    # the staging keeps the bad rows for inspection
    assert query(
        url,
        f"select count(*) from {STAGED_USAGE_LOGS} where usage_id = %s",
        [planted],
    ) == [(1,)]
    # and the domain is free again: the next run replaces the staging and publishes
    pipeline.run(run_context(url, data_dir, "next", Days(day, day), run_type="scheduled"))
    assert count(url, USAGE_LOGS) > before[USAGE_LOGS][0]


def test_a_reader_sees_the_old_rows_until_it_ends_never_an_empty_relation(published_run):
    url, data_dir = superuser(published_run), published_run.data_dir
    day = FIRST + timedelta(days=5)
    ctx = run_context(url, data_dir, "next-day", Days(day, day), run_type="scheduled")
    pipeline.run(ctx, [s for s in STAGE_NAMES if s != "publish"])
    old = count(url, USAGE_LOGS), count(url, TOP_CONTENT)

    reader = psycopg2.connect(url)
    reader.set_session(isolation_level="REPEATABLE READ")
    seen, watched = [], []
    stop = threading.Event()

    def watch() -> None:  # a dashboard refreshing while the publish runs
        conn = psycopg2.connect(url)
        conn.autocommit = True
        while not stop.is_set():
            with conn.cursor() as cur:
                cur.execute(f"select count(*) from {ENGAGEMENT}")
                watched.append(cur.fetchone()[0])
        conn.close()

    with reader.cursor() as cur:
        cur.execute(f"select count(*) from {USAGE_LOGS}")
        seen.append(cur.fetchone()[0])
        cur.execute(f"select count(*) from {TOP_CONTENT}")
        seen.append(cur.fetchone()[0])
        failures = []

        def publish() -> None:
            try:
                pipeline.publish(ctx)
            except Exception as exc:  # surfaced below
                failures.append(exc)

        publisher = threading.Thread(target=publish)
        watcher = threading.Thread(target=watch)
        watcher.start()
        publisher.start()
        time.sleep(2)  # the publish waits for this reader; the reader still sees its snapshot
        cur.execute(f"select count(*) from {USAGE_LOGS}")
        seen.append(cur.fetchone()[0])
        cur.execute(f"select count(*) from {TOP_CONTENT}")
        seen.append(cur.fetchone()[0])
    reader.commit()
    reader.close()
    publisher.join(timeout=60)
    stop.set()
    watcher.join()
    assert not failures
    assert seen == [old[0], old[1], old[0], old[1]]
    assert count(url, USAGE_LOGS) > old[0]
    assert watched and 0 not in watched
    assert query(
        url, "select status from audit.task_runs where run_id = 'next-day' and task = 'publish'"
    ) == [("success",)]


def test_a_manual_run_in_another_world_fails_unless_it_replaces_the_history(published_run):
    url, data_dir = superuser(published_run), published_run.data_dir
    before = warehouse_state(url)
    other_world = run_context(url, data_dir, "other-world", Days(LAST, LAST), seed=7)
    with pytest.raises(PlanError, match="holds the world scale=tiny seed=42"):
        pipeline.run(other_world)
    assert warehouse_state(url) == before

    replacing = run_context(
        url, data_dir, "replacing", Days(LAST, LAST), seed=7, replace_history=True
    )
    pipeline.run(replacing)
    assert query(url, "select scale, seed, first_day from audit.domain_profiles") == [
        ("tiny", 7, LAST)
    ]
    assert query(url, f"select distinct usage_date from {USAGE_LOGS}") == [(LAST,)]
    assert query(url, f"select distinct _run_id from {BRONZE_CUSTOMERS}") == [("replacing",)]
