"""The bronze gate's batches: a view per bronze table and run in ``bronze_stage`` over the days
the run loaded (all of a reference table, or of a table the run did not load). Each run has
its own, so runs side by side (a backfill) each validate their own days. The load's commit
makes them in its transaction, so a run's batches appear with its rows; the gate reads them
(the gates create nothing); a later commit drops those of runs that have published since.
"""

from __future__ import annotations

import hashlib
import json

from psycopg2 import sql

from include.elt.core.days import Days
from include.elt.warehouse.connection import transaction

SCHEMA = "bronze_stage"
SUFFIX = "_gate"
TAG = 8


def run_tag(relation: str, run_id: str) -> str:
    """A short tag of a table and a run: what names a run's own tables and views apart."""
    return hashlib.sha1(f"{relation}/{run_id}".encode()).hexdigest()[:TAG]


def batch_name(relation: str, run_id: str) -> str:
    """The name in ``bronze_stage`` of the bronze gate's batch of ``relation`` for ``run_id``."""
    return f"{relation[:40]}__{run_tag(relation, run_id)}{SUFFIX}"


def make_batch(
    cur, relation: str, partition_column: str | None, days: Days | None, run_id: str, owner: str
) -> None:
    """The gate's batch of the bronze table ``relation`` for ``run_id`` (of the domain
    ``owner``): a view over ``days`` (``None``: all of it)."""
    query = sql.SQL("select * from {}").format(sql.Identifier("bronze", relation))
    if partition_column and days:
        query += sql.SQL(" where {col} >= {lo} and {col} < {hi}").format(
            col=sql.Identifier(partition_column),
            lo=sql.Literal(days.start),
            hi=sql.Literal(days.stop),  # a timestamp's last day, whole
        )
    view = sql.Identifier(SCHEMA, batch_name(relation, run_id))
    cur.execute(sql.SQL("create or replace view {} as {}").format(view, query))
    # Whose it is and when it was made (the transaction's start), for the clean-up.
    cur.execute("select now()")
    made = {"domain": owner, "run_id": run_id, "at": cur.fetchone()[0].isoformat()}
    cur.execute(sql.SQL("comment on view {} is {}").format(view, sql.Literal(json.dumps(made))))


def drop_published(url: str, domain: str) -> int:
    """Drop the batches that runs of ``domain`` made before they published (their gates are
    done; a failed run keeps its batches for its retry, a run made again makes new ones). One
    view per transaction: the clean-up never holds several locks. Returns how many."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select relname from (select c.relname, case when n.nspname = %s"
            "  and c.relkind = 'v' and c.relname like %s"
            "  then obj_description(c.oid, 'pg_class')::jsonb end as made"  # ours alone are JSON
            "  from pg_class as c join pg_namespace as n on n.oid = c.relnamespace) as v"
            " where made ->> 'domain' = %s and exists (select from audit.task_runs as t"
            "  where t.domain = made ->> 'domain' and t.run_id = made ->> 'run_id'"
            "  and t.task = 'publish' and t.status = 'success'"
            "  and t.started_at > (made ->> 'at')::timestamptz)",
            [SCHEMA, f"%\\{SUFFIX}", domain],
        )
        names = sorted(name for (name,) in cur.fetchall())
    for name in names:
        with transaction(url) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("drop view if exists {}").format(sql.Identifier(SCHEMA, name)))
    return len(names)
