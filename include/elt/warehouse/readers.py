"""The readers of gold (a BI tool's login: ``core.roles.READER_ROLES``), their session limits, and
how long a publish waits for them.

A reader's open transaction keeps its share lock on what it read, and a publish needs those
relations alone for a moment: one idle BI session could hold publishing off for ever. So each
reader role carries its own limits, set on the role in the warehouse's database, where every
session of it starts with them: ``statement_timeout`` (``ELT_READER_STATEMENT_TIMEOUT``) and
``idle_in_transaction_session_timeout`` (``ELT_READER_IDLE_TIMEOUT``). A role may set its own
defaults, so the migration sets them as the reader itself (airflow-init holds its login); a
session can still change its own, which the README says.

A publish waits for readers as long as those limits let one hold a lock (a statement and the idle
pause after it, plus a margin): ``ELT_PUBLISH_WAIT_SECONDS`` overrides it.
"""

from __future__ import annotations

import os

from psycopg2 import errors, sql

from include.elt.core.roles import READER_ROLES
from include.elt.warehouse.connection import setting_seconds, transaction

# setting -> (its environment variable, its default)
LIMITS = {
    "statement_timeout": ("ELT_READER_STATEMENT_TIMEOUT", "5min"),
    "idle_in_transaction_session_timeout": ("ELT_READER_IDLE_TIMEOUT", "1min"),
}
PUBLISH_WAIT_ENV = "ELT_PUBLISH_WAIT_SECONDS"
# What a publish waits beyond the readers' longest limit (the server ends a session a little
# after its limit), and what it waits when the readers have none.
WAIT_MARGIN_SECONDS = 30
UNLIMITED_WAIT_SECONDS = 600


def configured_limits() -> dict[str, str]:
    """The readers' limits as configured (PostgreSQL's units: ``ms``, ``s``, ``min``, ``h``)."""
    return {name: os.environ.get(env) or default for name, (env, default) in LIMITS.items()}


def set_limits(reader_url: str, limits: dict[str, str] | None = None) -> None:
    """Set the reader's session limits on its own role, in this database (as that reader)."""
    limits = limits or configured_limits()
    with transaction(reader_url) as conn, conn.cursor() as cur:
        cur.execute("select current_database()")
        database = sql.Identifier(cur.fetchone()[0])
        for name, value in limits.items():
            try:
                cur.execute(
                    sql.SQL("alter role current_user in database {} set {} = {}").format(
                        database, sql.Identifier(name), sql.Literal(value)
                    )
                )
            except errors.InvalidParameterValue as exc:
                raise ValueError(
                    f"{LIMITS[name][0]}={value!r} is not a valid {name}: {exc.diag.message_primary}"
                ) from exc


def limits(cur) -> dict[str, dict[str, float | None]]:
    """Each reader role's limits in seconds, as the sessions it opens here start with them
    (a setting for this database wins over the role's own; ``None``: no limit)."""
    cur.execute(
        "select r.rolname, s.setdatabase <> 0, unnest(s.setconfig)"
        " from pg_db_role_setting as s join pg_roles as r on r.oid = s.setrole"
        " where r.rolname = any(%s) and s.setdatabase in"
        " (0, (select oid from pg_database where datname = current_database()))"
        " order by 2",  # the role's own first, so this database's override it
        [list(READER_ROLES)],
    )
    found: dict[str, dict[str, float | None]] = {r: dict.fromkeys(LIMITS) for r in READER_ROLES}
    for role, _, setting in cur.fetchall():
        name, value = setting.split("=", 1)
        if name in LIMITS:
            found[role][name] = setting_seconds(value) or None  # 0: no limit
    return found


def publish_wait(cur) -> float:
    """How long a publish waits for readers to let go of what it replaces."""
    configured = os.environ.get(PUBLISH_WAIT_ENV)
    if configured:
        return float(configured)
    # A reader holds its locks through a statement and the idle pause after it, at most.
    longest = [
        None if None in held.values() else sum(held.values()) for held in limits(cur).values()
    ]
    if not longest or None in longest:
        return UNLIMITED_WAIT_SECONDS
    return max(longest) + WAIT_MARGIN_SECONDS
