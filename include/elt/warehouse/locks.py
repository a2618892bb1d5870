"""What keeps work apart: PostgreSQL advisory locks, named here, and the domain lease.

**Locks** are held for a transaction (or a session) and fail after ``lock_timeout`` with a message
naming the lock and who holds it. The platform's locks, and what each keeps apart:

- ``world.<domain>`` (:func:`world_lock`): a load's commit holds it shared while it keeps the
  stored world, exclusive when it replaces it;
- ``bronze.<domain>_<dataset>`` (:func:`table_lock`): one load at a time replaces a bronze
  table's partitions;
- ``bronze_stage.<staging>`` (:func:`staging_lock`): a run's claim on its staging of a file;
- ``stage.<domain>`` (:func:`stage_lock`): the domain's staging area, shared by the builds of
  its models, whole by its publish; ``stage.<domain>.<model>`` (:func:`model_lock`): one build of
  a model at a time;
- ``elt.migrate`` and ``elt.bootstrap``: one migration, one creation of bronze tables.

**One order**: whatever takes locks on several bronze tables in one transaction (advisory or
PostgreSQL's own, a swap's or a view's) takes them in :func:`bronze_order`, the order of the
tables' names. Two transactions that lock the same tables in different orders can each hold
what the other waits for: a deadlock, which PostgreSQL breaks by failing one of them (a backfill
commits several runs at once).

**Relations a publish replaces** (:func:`lock_relations`) are taken whole (``access exclusive``)
from the readers of silver and gold, who never wait long for it nor deadlock against it: see the
function.

**The domain lease**: one run at a time validates, stages and publishes a domain. Airflow may run
several runs of a domain at once (a backfill beside the scheduled run, up to ten backfill runs
together). Loads of different days can overlap safely; staging cannot, since each run's gates
and publish read what it staged. So the stages from ``validate_bronze`` to ``publish`` hold a
lease (``core.stages``: ``leased``), a row in ``audit.domain_leases`` naming the run: taken (or
renewed) by each of them, released when the run publishes or ends otherwise (the DAG's
teardown, the CLI's failure), and expired after ``ELT_LEASE_TTL_MINUTES`` without activity (a
run whose worker vanished). The lease table is written only through two functions
(``audit.take_lease``, ``audit.give_back_lease``), so the gates, which write nothing else, can
hold it too. They keep it for its holder: only the run holding a lease renews or gives it back,
and the expiry is the one its holder set (bounded to a minute..a day by the server), never the
one the run that wants the lease asks for.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import psycopg2
from psycopg2 import errors, sql
from psycopg2.extensions import connection as Connection

from include.elt.warehouse.connection import lock_timeout, setting_seconds, transaction

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATE_LOCK = "elt.migrate"
BOOTSTRAP_LOCK = "elt.bootstrap"


def world_lock(domain: str) -> str:
    return f"world.{domain}"


def table_lock(relation: str) -> str:
    """A bronze table's: ``relation`` is its name in the bronze schema."""
    return f"bronze.{relation}"


def bronze_order(relations: Iterable[T], name: Callable[[T], str] = str) -> list[T]:
    """``relations`` (bronze tables, or what ``name`` maps to one) in the one order every
    transaction locks bronze tables in."""
    return sorted(relations, key=name)


def staging_lock(staging: str) -> str:
    """A run's staging table of a file, in ``bronze_stage``."""
    return f"bronze_stage.{staging}"


def stage_lock(domain: str) -> str:
    return f"stage.{domain}"


def model_lock(domain: str, model: str) -> str:
    return f"stage.{domain}.{model}"


class LockTimeout(RuntimeError):
    """A lock was not granted within ``lock_timeout``; the message names the lock and holder."""


def advisory_lock(cur, name: str, *, shared: bool = False, session: bool = False) -> None:
    """Take the advisory lock called ``name`` (for the transaction, or the session), or fail
    after ``lock_timeout`` with a message that names the lock and who holds it."""
    function = "pg_advisory{}_lock{}".format(
        "" if session else "_xact", "_shared" if shared else ""
    )
    try:
        cur.execute(sql.SQL("select {}(hashtext(%s))").format(sql.Identifier(function)), [name])
    except errors.LockNotAvailable as exc:
        raise LockTimeout(
            f"timed out after {lock_timeout()} waiting for lock {name!r}"
            f" (held by {_holders(cur.connection, name)})"
        ) from exc


def raise_lock_timeout(exc: errors.LockNotAvailable, what: str) -> None:
    raise LockTimeout(f"timed out after {lock_timeout()} waiting for a lock on {what}") from exc


# The longest one attempt of lock_relations stands in the lock queue. Readers that arrive meanwhile
# queue behind it, so it is short; and it is shorter than PostgreSQL's deadlock_timeout (1 s),
# the wait after which a blocked session looks for a deadlock: the attempt has given back what
# it took before any reader it blocks looks.
ATTEMPT_SECONDS = 0.2
FIRST_PAUSE_SECONDS = 0.05
LONGEST_PAUSE_SECONDS = 2.0


def lock_relations(cur, relations: list[str], *, wait_seconds: float) -> None:
    """Take ``access exclusive`` locks on ``relations`` (qualified names, in this order) for the
    rest of the transaction, while readers keep reading.

    A lock request that waits blocks every request queued after it: one waiting publish would
    stall every new reader behind a reader that keeps its transaction open, and a reader that
    holds one relation and asks for another the publish already holds would deadlock with it.
    So the locks are taken in attempts of one ``lock table`` statement each, under a savepoint
    and a ``statement_timeout`` of :data:`ATTEMPT_SECONDS` (timed by the server, so the whole
    attempt's waiting is bounded). An attempt that cannot have them all gives back what it took
    (rolling back to the savepoint releases its locks), and the next comes after a pause that
    doubles up to :data:`LONGEST_PAUSE_SECONDS`. After ``wait_seconds`` it gives up with a
    :class:`LockTimeout` naming each session that holds one of them.
    """
    if not relations:
        return
    cur.execute(
        "select current_setting('lock_timeout'), current_setting('statement_timeout'),"
        " current_setting('deadlock_timeout')"
    )
    lock_setting, statement_setting, deadlock = cur.fetchone()
    attempt = f"{round(min(ATTEMPT_SECONDS, setting_seconds(deadlock) / 2) * 1000)}ms"
    lock = sql.SQL("lock table {} in access exclusive mode").format(
        sql.SQL(", ").join(sql.Identifier(*r.split(".")) for r in relations)
    )
    deadline, pause, attempts = time.monotonic() + wait_seconds, FIRST_PAUSE_SECONDS, 0
    while True:
        attempts += 1
        cur.execute("savepoint lock_relations")
        _set_timeouts(cur, attempt, attempt)
        try:
            cur.execute(lock)
        except (errors.LockNotAvailable, errors.QueryCanceled):
            cur.execute("rollback to savepoint lock_relations")  # its settings go too
            now = time.monotonic()
            if now >= deadline:
                raise LockTimeout(
                    f"gave up after {wait_seconds:.0f}s ({attempts} attempts) waiting for"
                    f" readers to let go of {', '.join(relations)}; held by"
                    f" {_relation_holders(cur, relations)}"
                ) from None
            time.sleep(min(pause * random.uniform(0.5, 1.5), deadline - now))
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            continue
        cur.execute("release savepoint lock_relations")
        _set_timeouts(cur, lock_setting, statement_setting)
        if attempts > 1:
            log.info("locked %d relations at attempt %d", len(relations), attempts)
        return


def _set_timeouts(cur, lock: str, statement: str) -> None:
    """``lock_timeout`` and ``statement_timeout`` for the rest of the transaction."""
    cur.execute(
        "select set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)",
        [lock, statement],
    )


def _relation_holders(cur, relations: list[str]) -> str:
    """Who holds a lock on any of ``relations`` or their partitions: each session's pid, role,
    application, state, since when its transaction runs, and what it holds."""
    cur.execute(
        "select pid, role, application, state, since, string_agg(relation, ', ')"
        " from audit.lock_holders(%s::regclass[])"
        " group by pid, role, application, state, since order by since nulls last, pid",
        [relations],
    )
    holders = [
        f"pid {pid} ({role}, application {app or '(none)'}, {state or 'state hidden'},"
        f" in a transaction since {f'{since:%Y-%m-%d %H:%M:%S %Z}' if since else '(hidden)'})"
        f" on {held}"
        for pid, role, app, state, since, held in cur.fetchall()
    ]
    return "; ".join(holders) or "no session any more"


def _holders(conn: Connection, name: str) -> str:
    """Who holds an advisory lock, from a separate session (the failed one is aborted)."""
    try:
        with psycopg2.connect(conn.dsn) as other, other.cursor() as cur:
            cur.execute(
                "select a.pid, a.application_name, a.state, now() - a.xact_start"
                " from pg_locks as l join pg_stat_activity as a using (pid)"
                " where l.locktype = 'advisory' and l.granted"
                " and l.objid = hashtext(%s)::oid",
                [name],
            )
            rows = cur.fetchall()
    except psycopg2.Error:
        return "another session"
    if not rows:
        return "another session, since released"
    return ", ".join(
        f"pid {pid} ({app or 'unnamed'}, {state}, for {age})" for pid, app, state, age in rows
    )


# --- the domain lease -----------------------------------------------------------------------------

LEASE_TTL_ENV = "ELT_LEASE_TTL_MINUTES"
LEASE_WAIT_ENV = "ELT_LEASE_WAIT_SECONDS"
DEFAULT_TTL_MINUTES = 120
DEFAULT_WAIT_SECONDS = 1800
# how often a waiting run asks again: a backfill's next day waits here for each day before it
LEASE_POLL_SECONDS = 0.2


class LeaseError(RuntimeError):
    """Another run holds the domain for longer than this run may wait."""


def acquire(url: str, domain: str, run_id: str, *, wait_seconds: float | None = None) -> None:
    """Take or renew the lease of ``domain`` for ``run_id``, waiting while another run has it."""
    if wait_seconds is None:
        wait_seconds = float(os.environ.get(LEASE_WAIT_ENV) or DEFAULT_WAIT_SECONDS)
    ttl = f"{int(os.environ.get(LEASE_TTL_ENV) or DEFAULT_TTL_MINUTES)} minutes"
    deadline, announced = time.monotonic() + wait_seconds, False
    while True:
        with transaction(url) as conn, conn.cursor() as cur:
            cur.execute("select audit.take_lease(%s, %s, %s::interval)", [domain, run_id, ttl])
            if cur.fetchone()[0]:
                return
            cur.execute(
                "select run_id, acquired_at, renewed_at, expires_at from audit.domain_leases"
                " where domain = %s",
                [domain],
            )
            holder = cur.fetchone()
        if holder is None:  # released between the two statements: try again at once
            continue
        if time.monotonic() >= deadline:
            raise LeaseError(
                f"{domain} is being validated and published by run {holder[0]} (since"
                f" {holder[1]:%Y-%m-%d %H:%M:%S %Z}, last active {holder[2]:%H:%M:%S}); run"
                f" {run_id} waited {wait_seconds:.0f}s. The lease is released when that run"
                f" publishes or fails, and expires at {holder[3]:%Y-%m-%d %H:%M:%S %Z} unless"
                f" it is active again."
            )
        if not announced:
            log.info("waiting for run %s to release %s", holder[0], domain)
            announced = True
        time.sleep(LEASE_POLL_SECONDS)


def release(url: str, domain: str, run_id: str) -> bool:
    """Give the lease back if ``run_id`` holds it (a no-op otherwise)."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute("select audit.give_back_lease(%s, %s)", [domain, run_id])
        return cur.fetchone()[0]
