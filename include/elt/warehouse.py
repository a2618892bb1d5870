"""Connections to the warehouse and its one-time setup."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from psycopg2.extensions import connection as Connection

from include.elt.domain import SQL_ROOT, Domain
from include.elt.schema import bronze_ddl

WAREHOUSE_ENV = "AIRFLOW_CONN_WAREHOUSE"


def warehouse_url() -> str:
    """The warehouse URI from the environment (the same variable Airflow reads)."""
    url = os.environ.get(WAREHOUSE_ENV)
    if not url:
        raise RuntimeError(
            f"{WAREHOUSE_ENV} is not set: export it as postgresql://user:password@host:port/db"
        )
    return url


def sqlalchemy_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    if scheme not in {"postgres", "postgresql", "postgresql+psycopg2"}:
        raise ValueError(f"the warehouse must be PostgreSQL, got a {scheme!r} URI")
    return f"postgresql+psycopg2://{rest}"


def connect(url: str) -> Connection:
    return psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://", 1))


@contextmanager
def transaction(url: str) -> Iterator[Connection]:
    """One connection, one transaction: committed on success, rolled back on any error."""
    conn = connect(url)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def bootstrap(url: str, domain: Domain) -> None:
    """Create the schemas, platform tables and the domain's bronze tables if missing."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('elt.bootstrap'))")
        cur.execute((SQL_ROOT / "platform" / "warehouse.sql").read_text())
        for dataset in domain.datasets:
            cur.execute(bronze_ddl("bronze", domain.relation(dataset.name), dataset))
