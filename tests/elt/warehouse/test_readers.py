"""The readers of gold: their session limits, set on their role, and how long a publish waits
for them."""

from __future__ import annotations

import psycopg2
import pytest

from include.elt.warehouse import migrate, readers
from include.elt.warehouse.connection import transaction
from tests.conftest import _server


def _analyst(url: str) -> str:
    return _server.role_url("analyst", url.rsplit("/", 1)[1])


def _shown(url: str) -> dict[str, str]:
    """The limits a new session of the analyst starts with."""
    conn = psycopg2.connect(_analyst(url))
    try:
        with conn.cursor() as cur:
            return {name: _show(cur, name) for name in readers.LIMITS}
    finally:
        conn.close()


def _show(cur, name: str) -> str:
    cur.execute(f"show {name}")
    return cur.fetchone()[0]


def test_every_analyst_session_starts_with_the_readers_limits(warehouse_url):
    assert _shown(warehouse_url) == {
        "statement_timeout": "5min",
        "idle_in_transaction_session_timeout": "1min",
    }


def test_the_migration_sets_the_configured_limits_as_the_analyst(warehouse_url, monkeypatch):
    database = warehouse_url.rsplit("/", 1)[1]
    monkeypatch.setenv(migrate.OWNER_URL_ENV, _server.role_url("elt_owner", database))
    monkeypatch.setenv(migrate.ANALYST_URL_ENV, _analyst(warehouse_url))
    monkeypatch.setenv("ELT_READER_STATEMENT_TIMEOUT", "90s")
    monkeypatch.setenv("ELT_READER_IDLE_TIMEOUT", "20s")
    assert migrate.main() == 0
    assert _shown(warehouse_url) == {
        "statement_timeout": "90s",
        "idle_in_transaction_session_timeout": "20s",
    }


def test_a_limit_that_is_no_time_is_refused_naming_its_setting(warehouse_url, monkeypatch):
    monkeypatch.setenv("ELT_READER_IDLE_TIMEOUT", "a while")
    with pytest.raises(ValueError, match=r"ELT_READER_IDLE_TIMEOUT='a while' is not a valid idle"):
        readers.set_limits(_analyst(warehouse_url))


def test_a_publish_waits_as_long_as_a_reader_may_hold_a_lock(warehouse_url, monkeypatch):
    monkeypatch.delenv(readers.PUBLISH_WAIT_ENV, raising=False)
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        # a statement (5 min) and the idle pause after it (1 min), and a margin
        assert readers.publish_wait(cur) == 6 * 60 + readers.WAIT_MARGIN_SECONDS
    readers.set_limits(_analyst(warehouse_url), {"idle_in_transaction_session_timeout": "0"})
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        assert readers.publish_wait(cur) == readers.UNLIMITED_WAIT_SECONDS
        monkeypatch.setenv(readers.PUBLISH_WAIT_ENV, "42")
        assert readers.publish_wait(cur) == 42
