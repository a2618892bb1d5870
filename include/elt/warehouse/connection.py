"""Connections to the warehouse: one login per stage role, and short transactions on reused
connections.

Each stage reaches the warehouse as the least role it needs (:class:`Warehouse`): the loader
writes bronze, the transformer silver and gold, the validator reads; the roles, schemas and
privileges are made once by ``scripts/warehouse-init.sh`` (``sql/platform``) and migrated by
:mod:`include.elt.warehouse.migrate` as their owner. Every session carries a
``statement_timeout`` and a ``lock_timeout`` (``ELT_STATEMENT_TIMEOUT``, ``ELT_LOCK_TIMEOUT``): a
hung query or a lock held by someone else fails the task with a message, instead of holding
the domain forever.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg2
from psycopg2.extensions import connection as Connection

from include.elt.core.roles import STAGE_ROLES

WAREHOUSE_ENV = "AIRFLOW_CONN_WAREHOUSE"
STATEMENT_TIMEOUT_ENV = "ELT_STATEMENT_TIMEOUT"
LOCK_TIMEOUT_ENV = "ELT_LOCK_TIMEOUT"
DEFAULT_STATEMENT_TIMEOUT = "30min"
DEFAULT_LOCK_TIMEOUT = "60s"


class SetupError(RuntimeError):
    """The warehouse is not reachable as configured, or not set up."""


@dataclass(frozen=True)
class Warehouse:
    """The warehouse as each stage reaches it: one login per role (``elt_loader``,
    ``elt_transformer``, ``elt_validator``), so a stage can do no more than its job."""

    loader: str = field(repr=False)
    transformer: str = field(repr=False)
    validator: str = field(repr=False)

    @classmethod
    def single(cls, url: str) -> Warehouse:
        """Every stage through one login (a warehouse of your own, without the roles)."""
        return cls(url, url, url)

    @classmethod
    def from_env(cls) -> Warehouse:
        """``AIRFLOW_CONN_WAREHOUSE_<ROLE>`` for each role (the Airflow connections
        ``warehouse_loader`` ...), any missing one falling back to ``AIRFLOW_CONN_WAREHOUSE``."""
        fallback = os.environ.get(WAREHOUSE_ENV)
        urls = {r: os.environ.get(f"{WAREHOUSE_ENV}_{r.upper()}") or fallback for r in STAGE_ROLES}
        missing = [r for r, url in urls.items() if not url]
        if missing:
            names = ", ".join(f"{WAREHOUSE_ENV}_{r.upper()}" for r in missing)
            raise SetupError(
                f"no warehouse connection for {', '.join(missing)}: set {names} (or"
                f" {WAREHOUSE_ENV} for every stage) to postgresql://user:password@host:port/db"
            )
        return cls(**urls)


def sqlalchemy_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    if scheme not in {"postgres", "postgresql", "postgresql+psycopg2"}:
        raise ValueError(f"the warehouse must be PostgreSQL, got a {scheme!r} URI")
    return f"postgresql+psycopg2://{rest}"


def lock_timeout() -> str:
    return os.environ.get(LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600, "d": 86400}
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$")


def setting_seconds(value: str) -> float:
    """A time setting of PostgreSQL (``200ms``, ``1min``, or a number of milliseconds, as a role's
    setting may be stored) in seconds; 0 means no limit."""
    match = _TIME.match(value)
    if not match:
        raise ValueError(f"not a PostgreSQL time setting: {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2) or "ms"]


def session_options() -> str:
    statement = os.environ.get(STATEMENT_TIMEOUT_ENV) or DEFAULT_STATEMENT_TIMEOUT
    return f"-c statement_timeout={statement} -c lock_timeout={lock_timeout()}"


def connect(url: str) -> Connection:
    dsn = url.replace("postgresql+psycopg2://", "postgresql://", 1)
    return psycopg2.connect(dsn, options=session_options(), application_name="elt-platform")


# An idle connection per (process, thread, url, timeouts), reused by the next transaction: a run
# opens dozens of short transactions, and each new connection costs a password handshake.
_IDLE: dict[tuple[int, int, str, str], Connection] = {}
_IDLE_LOCK = threading.Lock()  # threads of one load park and take connections at once


@contextmanager
def transaction(url: str) -> Iterator[Connection]:
    """One transaction: committed on success, rolled back (and its connection closed) on any
    error."""
    key = (os.getpid(), threading.get_ident(), url, session_options())
    with _IDLE_LOCK:
        idle = _IDLE.pop(key, None)
    conn = _alive(idle) or connect(url)
    try:
        yield conn
        conn.commit()
    except BaseException:
        # The error worth raising is the first one: a rollback on a connection the server
        # already closed (a restart) would only say "connection already closed".
        with contextlib.suppress(psycopg2.Error):
            conn.rollback()
        conn.close()
        raise
    _park(key, conn)


def _alive(conn: Connection | None) -> Connection | None:
    """An idle connection if the server still answers on it (it may have restarted)."""
    if conn is None or conn.closed:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
        conn.rollback()
        return conn
    except psycopg2.Error:
        conn.close()
        return None


def close_idle() -> None:
    """Close the idle connections this process keeps for reuse."""
    with _IDLE_LOCK:
        while _IDLE:
            _IDLE.popitem()[1].close()


def _park(key: tuple[int, int, str, str], conn: Connection) -> None:
    alive = {t.ident for t in threading.enumerate()}
    with _IDLE_LOCK:
        for other in [k for k in _IDLE if k[0] != key[0] or k[1] not in alive]:
            stale = _IDLE.pop(other)
            if other[0] == key[0]:  # a connection inherited from a parent process is not ours
                stale.close()
        if key in _IDLE:
            conn.close()
        else:
            _IDLE[key] = conn
