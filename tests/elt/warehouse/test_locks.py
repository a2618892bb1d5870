"""What keeps work apart: advisory locks that fail naming who holds them, and the domain lease
one run at a time holds."""

from __future__ import annotations

import psycopg2
import pytest

from include.elt.warehouse import locks
from include.elt.warehouse.connection import transaction
from tests.conftest import roles
from tests.helpers import query


def test_a_lock_held_elsewhere_fails_after_the_timeout_naming_the_lock(warehouse_url, monkeypatch):
    monkeypatch.setenv("ELT_LOCK_TIMEOUT", "200ms")
    holder = psycopg2.connect(warehouse_url, application_name="the-holder")
    try:
        with holder.cursor() as cur:
            cur.execute("select pg_advisory_lock(hashtext(%s))", [locks.stage_lock("toy")])
        with (
            pytest.raises(
                locks.LockTimeout, match=r"after 200ms waiting for lock 'stage\.toy' \(held by"
            ),
            transaction(warehouse_url) as conn,
            conn.cursor() as cur,
        ):
            locks.advisory_lock(cur, locks.stage_lock("toy"))
    finally:
        holder.close()


def test_shared_locks_are_held_together_and_keep_the_whole_lock_out(warehouse_url, monkeypatch):
    monkeypatch.setenv("ELT_LOCK_TIMEOUT", "200ms")
    with transaction(warehouse_url) as a, a.cursor() as first:
        locks.advisory_lock(first, "stage.toy", shared=True)
        with transaction(warehouse_url) as b, b.cursor() as second:
            locks.advisory_lock(second, "stage.toy", shared=True)
        with (
            pytest.raises(locks.LockTimeout),
            transaction(warehouse_url) as c,
            c.cursor() as third,
        ):
            locks.advisory_lock(third, "stage.toy")


def test_one_run_at_a_time_holds_a_domain(warehouse_url):
    url = roles(warehouse_url).validator  # the gates hold it too, writing nothing else
    locks.acquire(url, "toy", "first")
    locks.acquire(url, "toy", "first")  # its own lease: renewed
    with pytest.raises(locks.LeaseError, match="toy is being validated and published by run first"):
        locks.acquire(url, "toy", "second", wait_seconds=0)
    assert locks.release(url, "toy", "second") is False  # not its lease: nothing happens
    assert locks.release(url, "toy", "first") is True
    locks.acquire(url, "toy", "second", wait_seconds=0)
    assert query(warehouse_url, "select run_id from audit.domain_leases") == [("second",)]


def test_a_lease_silent_for_its_time_to_live_passes_to_the_next_run(warehouse_url, monkeypatch):
    url = roles(warehouse_url).transformer
    locks.acquire(url, "toy", "vanished")
    monkeypatch.setenv(locks.LEASE_TTL_ENV, "0")
    locks.acquire(url, "toy", "next", wait_seconds=0)
    assert query(warehouse_url, "select run_id from audit.domain_leases") == [("next",)]
