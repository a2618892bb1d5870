"""Connections to the warehouse: a login per stage role, short transactions, loud failures."""

from __future__ import annotations

import psycopg2
import pytest

from include.elt.warehouse.connection import (
    WAREHOUSE_ENV,
    SetupError,
    Warehouse,
    sqlalchemy_url,
    transaction,
)
from tests.helpers import query


def test_each_role_comes_from_its_own_variable_else_the_one_for_every_stage(monkeypatch):
    monkeypatch.setenv(WAREHOUSE_ENV, "postgresql://all@h/w")
    monkeypatch.setenv(f"{WAREHOUSE_ENV}_LOADER", "postgresql://loader@h/w")
    monkeypatch.delenv(f"{WAREHOUSE_ENV}_TRANSFORMER", raising=False)
    monkeypatch.delenv(f"{WAREHOUSE_ENV}_VALIDATOR", raising=False)
    found = Warehouse.from_env()
    assert found.loader == "postgresql://loader@h/w" and found.validator == "postgresql://all@h/w"
    monkeypatch.delenv(WAREHOUSE_ENV)
    with pytest.raises(SetupError, match=f"{WAREHOUSE_ENV}_TRANSFORMER, {WAREHOUSE_ENV}_VALIDATOR"):
        Warehouse.from_env()


def test_only_a_postgresql_url_is_taken():
    assert sqlalchemy_url("postgresql://u@h/d") == "postgresql+psycopg2://u@h/d"
    with pytest.raises(ValueError, match="must be PostgreSQL"):
        sqlalchemy_url("mysql://u@h/d")


def test_a_transaction_commits_whole_or_leaves_nothing(warehouse_url):
    with transaction(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("create table public.kept (x int)")
    with (
        pytest.raises(psycopg2.errors.DivisionByZero),
        transaction(warehouse_url) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("insert into public.kept values (1)")
        cur.execute("select 1 / 0")
    assert query(warehouse_url, "select count(*) from public.kept") == [(0,)]
    # the connection that failed is gone; the next transaction gets a working one
    assert query(warehouse_url, "select 1") == [(1,)]


def test_every_session_has_its_timeouts(warehouse_url, monkeypatch):
    monkeypatch.setenv("ELT_LOCK_TIMEOUT", "3s")
    assert query(warehouse_url, "show lock_timeout") == [("3s",)]
