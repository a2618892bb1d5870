"""The domain lease: one run at a time validates, stages and publishes a domain.

Airflow may run several runs of a domain at once (a backfill beside the scheduled run, up to
ten backfill runs together). Loads of different days can overlap safely; staging cannot, since
each run's gates and publish read what it staged. So the stages from ``validate_bronze`` to
``publish`` hold a lease, a row in ``audit.domain_leases`` naming the run: taken (or renewed)
by each of them, released when the run publishes or ends otherwise (the DAG's teardown, the
CLI's failure), and expired after ``ELT_LEASE_TTL_MINUTES`` without activity (a run whose
worker vanished). The lease table is written only through two functions (``audit.take_lease``,
``audit.give_back_lease``), so the gates, which write nothing else, can hold it too.
"""

from __future__ import annotations

import logging
import os
import time

from include.elt.warehouse import transaction

log = logging.getLogger(__name__)

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
                "select run_id, acquired_at, renewed_at from audit.domain_leases where domain = %s",
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
                f" publishes or fails, and expires after {ttl} without activity."
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
