"""What keeps work apart: PostgreSQL advisory locks, named here, and the domain lease.

**Locks** are held for a transaction (or a session) and fail after ``lock_timeout`` with a message
naming the lock and who holds it. The platform's locks, and what each keeps apart:

- ``world.<domain>`` (:func:`world_lock`): a load's commit holds it shared while it keeps the
  stored world, exclusive when it replaces it;
- ``bronze.<domain>_<dataset>`` (:func:`table_lock`): one load at a time replaces a bronze
  table's partitions (taken in dataset order);
- ``bronze_stage.<staging>`` (:func:`staging_lock`): a run's claim on its staging of a file;
- ``stage.<domain>`` (:func:`stage_lock`): the domain's staging area, shared by the builds of
  its models, whole by its publish; ``stage.<domain>.<model>`` (:func:`model_lock`): one build of
  a model at a time;
- ``elt.migrate`` and ``elt.bootstrap``: one migration, one creation of bronze tables.

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
import time

import psycopg2
from psycopg2 import errors, sql
from psycopg2.extensions import connection as Connection

from include.elt.warehouse.connection import lock_timeout, transaction

log = logging.getLogger(__name__)

MIGRATE_LOCK = "elt.migrate"
BOOTSTRAP_LOCK = "elt.bootstrap"


def world_lock(domain: str) -> str:
    return f"world.{domain}"


def table_lock(relation: str) -> str:
    """A bronze table's: ``relation`` is its name in the bronze schema."""
    return f"bronze.{relation}"


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
        time.sleep(1)


def release(url: str, domain: str, run_id: str) -> bool:
    """Give the lease back if ``run_id`` holds it (a no-op otherwise)."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute("select audit.give_back_lease(%s, %s)", [domain, run_id])
        return cur.fetchone()[0]
