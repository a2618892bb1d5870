"""What keeps work apart: advisory locks that fail naming who holds them, and the domain lease
one run at a time holds."""

from __future__ import annotations

import psycopg2
import pytest

from include.elt.core.roles import STAGE_ROLES
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


def test_a_lease_silent_past_its_expiry_passes_to_the_next_run(warehouse_url):
    url = roles(warehouse_url).transformer
    locks.acquire(url, "toy", "vanished")
    # its holder's time to live, passed (as if its worker had died that long ago)
    query(
        warehouse_url,
        "update audit.domain_leases set expires_at = now() - interval '1s' returning run_id",
    )
    locks.acquire(url, "toy", "next", wait_seconds=0)
    assert query(warehouse_url, "select run_id from audit.domain_leases") == [("next",)]


@pytest.mark.parametrize("role", STAGE_ROLES)
def test_no_stage_role_takes_renews_or_releases_another_runs_live_lease(warehouse_url, role):
    locks.acquire(roles(warehouse_url).loader, "toy", "holder")
    lease = "select run_id, acquired_at, renewed_at, expires_at from audit.domain_leases"
    held = query(warehouse_url, lease)
    other = getattr(roles(warehouse_url), role)
    for ttl in ("0 seconds", "-1 day", "1 microsecond", None):  # whatever time to live it claims
        taken = query(other, "select audit.take_lease('toy', 'other', %s::interval)", [ttl])
        assert taken == [(None,)], ttl
    assert query(other, "select audit.give_back_lease('toy', 'other')") == [(False,)]
    assert query(warehouse_url, lease) == held


def test_a_holder_cannot_keep_its_lease_longer_than_a_day_without_renewing_it(warehouse_url):
    url = roles(warehouse_url).validator
    for ttl in ("100 years", "25 hours"):
        query(url, "select audit.take_lease('toy', 'holder', %s::interval)", [ttl])
        [(within_a_day,)] = query(
            warehouse_url,
            "select expires_at <= now() + interval '1 day' from audit.domain_leases",
        )
        assert within_a_day, ttl
