"""Publishing what a run staged, in one transaction (a reader's view of it:
tests/elt/test_daily.py)."""

from __future__ import annotations

import re
import threading
import time

import psycopg2
import pytest

from include.elt.stages.materialize.builder import Changes
from include.elt.warehouse import readers
from include.elt.warehouse.locks import LockTimeout
from tests.conftest import _server, roles
from tests.elt.stages.materialize.test_days import DAY, DAYS, WITHIN
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


def test_a_new_gold_model_of_any_materialization_is_readable_by_the_analyst(scratch):
    days = dict(materialized="incremental", strategy="days", partition_by="day")
    merge = dict(materialized="incremental", strategy="merge")
    scratch.declare("gold", "things", THINGS, materialized="table", unique_key=["thing_id"])
    scratch.declare("gold", "big", "select * from {{ ref('things') }}", materialized="view")
    scratch.declare("gold", "events", DAYS + WITHIN, unique_key=["event_id"], **days)
    scratch.declare("gold", "totals", "select 1 as k, 'v' as v", unique_key=["k"], **merge)
    new = ["things", "big", "events", "totals"]
    analyst = _server.role_url("analyst", scratch.superuser.rsplit("/", 1)[1])
    for run_id, changes in (("first", None), ("next", Changes(DAY, {}))):
        for name in new:
            scratch.build(name, run_id, changes)
        scratch.publish(run_id)
        for name in new:  # raises "permission denied" if the analyst cannot read it
            assert count(analyst, f"gold.scratch_{name}") > 0


# --- what readers meet while a publish runs -------------------------------------------------


def _published_twice(scratch) -> None:
    """A gold table and a view over it, published once and staged again: the next publish
    replaces both."""
    _declare_gold_view(scratch)
    for name in ("things", "big"):
        scratch.build(name, "first")
    scratch.publish("first")
    for name in ("things", "big"):
        scratch.build(name, "next")


def _declare_gold_view(scratch) -> None:
    scratch.declare("gold", "things", THINGS, materialized="table", unique_key=["thing_id"])
    scratch.declare(
        "gold", "big", "select * from {{ ref('things') }} where value > 20", materialized="view"
    )


class Publishing:
    """The next publish, in a thread of its own."""

    def __init__(self, scratch) -> None:
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._publish, args=(scratch,))
        self.thread.start()

    def _publish(self, scratch) -> None:
        try:
            scratch.publish("next")
        except Exception as exc:  # the test asserts on it
            self.error = exc

    def join(self) -> Exception | None:
        self.thread.join(timeout=120)
        assert not self.thread.is_alive(), "the publish never ended"
        return self.error


def _session(url: str, application: str = "bi-tool") -> psycopg2.extensions.connection:
    return psycopg2.connect(url, application_name=application)


def _analyst(scratch) -> str:
    return _server.role_url("analyst", scratch.superuser.rsplit("/", 1)[1])


def test_an_idle_reader_is_ended_by_its_limit_and_other_readers_never_queue(scratch):
    """A BI session left idle in its transaction holds what it read: the publish waits for the
    readers' idle limit to end it, and meanwhile other readers read without queueing behind the
    publish (each would fail after 1 s in the queue)."""
    _published_twice(scratch)
    readers.set_limits(_analyst(scratch), {"idle_in_transaction_session_timeout": "3s"})
    idle = _session(_analyst(scratch))
    with idle.cursor() as cur:
        cur.execute("select pg_backend_pid(), count(*) from gold.scratch_things")
        pid = cur.fetchone()[0]
    reads, failures = [], []
    publishing = Publishing(scratch)
    other = _session(_analyst(scratch), "dashboard")
    other.autocommit = True
    with other.cursor() as cur:
        cur.execute("set lock_timeout = '1s'")
        while publishing.thread.is_alive():
            try:
                cur.execute("select count(*) from gold.scratch_big")
                reads.append(cur.fetchone()[0])
            except psycopg2.errors.LockNotAvailable as exc:
                failures.append(exc)
            time.sleep(0.05)
    other.close()
    assert publishing.join() is None
    assert failures == [] and reads
    # the server ended the idle session (this test's own connection to it is still open)
    assert query(
        scratch.superuser, "select count(*) from pg_stat_activity where pid = %s", [pid]
    ) == [(0,)]
    idle.close()


def test_a_reader_asking_for_what_the_publish_holds_neither_deadlocks_nor_fails(scratch):
    """The reader holds the table and asks for the view over it while the publish, which locks
    the view and then the table, waits for the table: a circle, unless the publish gives back
    the view before either of them looks for a deadlock."""
    _published_twice(scratch)
    reader = _session(_analyst(scratch))
    with reader.cursor() as cur:
        cur.execute("select count(*) from gold.scratch_things")
        publishing = Publishing(scratch)
        _until_a_lock_is_awaited(scratch.superuser)
        cur.execute("select count(*) from gold.scratch_big")
        seen = cur.fetchone()[0]
    reader.commit()
    reader.close()
    assert publishing.join() is None
    assert seen == 3


def _until_a_lock_is_awaited(url: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if query(url, "select count(*) from pg_locks where not granted")[0][0]:
            return
        time.sleep(0.005)


def test_a_publish_that_gives_up_names_each_session_holding_what_it_replaces(scratch, monkeypatch):
    _published_twice(scratch)
    monkeypatch.setenv(readers.PUBLISH_WAIT_ENV, "1")
    monkeypatch.setenv("ELT_LOCK_TIMEOUT", "1s")
    validator = _session(roles(scratch.superuser).validator, "a-forgotten-console")
    with validator.cursor() as cur:
        cur.execute("select pg_backend_pid(), count(*) from gold.scratch_things")
        pid = cur.fetchone()[0]
    try:
        with pytest.raises(LockTimeout) as failed:
            scratch.publish("next")
    finally:
        validator.close()
    assert re.search(
        rf"held by pid {pid} \(elt_validator, application a-forgotten-console,"
        r" idle in transaction, in a transaction since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d.*\)"
        r" on gold\.scratch_things",
        str(failed.value),
    ), failed.value
    assert query(scratch.superuser, "select count(*) from audit.staged_models") == [(2,)]
