"""Publish: move what a run staged into ``silver`` and ``gold``, in one transaction.

Runs after every gate passed (write, audit, *publish*). A ``table`` model replaces its published
table by moving the staged one into place; a ``days`` model swaps in its day partitions; a
``merge`` model deletes the rows of the keys it changed and inserts the new ones; views are
re-created from their SQL over the published relations. Readers see all of it at once, or none
of it: a gate that failed leaves published silver and gold exactly as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg2 import errors, sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import Model, Scope, models, render
from include.elt.core.days import Days
from include.elt.warehouse import partitions as parts
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.locks import advisory_lock, raise_lock_timeout, stage_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    relation: str
    materialization: str
    rows: int
    days: Days | None


def publish_models(url: str, domain: Domain, run_id: str) -> list[Published]:
    """Publish every model ``run_id`` staged (none: just re-create the domain's views)."""
    with transaction(url) as conn, conn.cursor() as cur:
        advisory_lock(cur, stage_lock(domain.name))
        cur.execute(
            "select model, window_start, window_end, row_count from audit.staged_models"
            " where domain = %s and run_id = %s",
            [domain.name, run_id],
        )
        staged = {
            name: (Days.until(start, stop) if start else None, rows)
            for name, start, stop, rows in cur.fetchall()
        }
        done = []
        try:
            _lock_for_readers(
                cur, [m for m in models(domain) if m.name in staged or m.materialization == "view"]
            )
            _drop_stage_views(cur, [m for m in models(domain) if m.name in staged])
            for m in models(domain):
                if m.name in staged and m.materialization != "view":
                    days, rows = staged[m.name]
                    _PUBLISHERS[m.materialization](cur, m, days)
                    _publish_rejects(cur, domain, m, days)
                    done.append(Published(m.qualified, m.materialization, rows, days))
            for m in models(domain):
                if m.materialization == "view":
                    _publish_view(cur, domain, m)
                    if m.name in staged:
                        done.append(Published(m.qualified, "view", staged[m.name][1], None))
        except errors.LockNotAvailable as exc:
            raise_lock_timeout(exc, f"the published {domain.name} tables (readers hold them)")
        cur.execute(
            "delete from audit.staged_models where domain = %s and run_id = %s",
            [domain.name, run_id],
        )
    for p in done:
        span = f" days {p.days}" if p.days else ""
        log.info("published %s %s%s: %d rows", p.materialization, p.relation, span, p.rows)
    return done


def _publish_table(cur, m: Model, days) -> None:
    _drop(cur, m)
    cur.execute(
        sql.SQL("alter table {} set schema {}").format(
            sql.Identifier(m.stage_schema, m.relation), sql.Identifier(m.layer)
        )
    )


def _publish_days(cur, m: Model, days) -> None:
    column = m.partition_by
    changes = f"{m.stage_schema}.{m.changes}"
    _record_partitions(cur, m, days)
    if days is None:  # rebuilt whole: a new parent, nothing of the old one kept
        _drop(cur, m)
    cur.execute(
        sql.SQL("create table if not exists {} (like {}) partition by range ({})").format(
            _published(m), sql.Identifier(m.stage_schema, m.changes), sql.Identifier(column)
        )
    )
    new = []
    for part in parts.partitions_of(cur, m.stage_schema, m.changes):
        table = sql.Identifier(m.stage_schema, part.name)
        parts.detach(cur, changes, table)
        cur.execute(sql.SQL("alter table {} set schema {}").format(table, sql.Identifier(m.layer)))
        new.append((part.name, part.days))
    cur.execute(sql.SQL("drop table {}").format(sql.Identifier(m.stage_schema, m.changes)))
    parts.swap_in(cur, m.layer, m.relation, column, new, replace_all=days is None)
    parts.compact(cur, m.layer, m.relation, column)


def _publish_merge(cur, m: Model, days) -> None:
    changes = sql.Identifier(m.stage_schema, m.changes)
    if days is None:
        _drop(cur, m)
        cur.execute(
            sql.SQL("alter table {} set schema {}").format(changes, sql.Identifier(m.layer))
        )
        cur.execute(
            sql.SQL("alter table {} rename to {}").format(
                sql.Identifier(m.layer, m.changes), sql.Identifier(m.relation)
            )
        )
        return
    key = sql.SQL(", ").join(map(sql.Identifier, m.unique_key))
    cur.execute(
        sql.SQL("delete from {} where ({}) in (select {} from {})").format(
            _published(m), key, key, changes
        )
    )
    cur.execute(sql.SQL("insert into {} select * from {}").format(_published(m), changes))
    cur.execute(sql.SQL("drop table {}").format(changes))


def _publish_view(cur, domain: Domain, m: Model) -> None:
    """Views are re-created from their SQL every publish, over the published relations."""
    query = render(domain, m, Scope(), lambda c: c.as_string(cur)).strip().rstrip(";")
    _drop(cur, m)
    cur.execute(sql.SQL("create view {} as {}").format(_published(m), sql.SQL(query)))


def _lock_for_readers(cur, changing: list[Model]) -> None:
    """Lock what the publish changes before changing any of it, in the order readers take locks
    (a view, then what it reads: dependents first), so a reader mid-query waits for the publish
    or the publish for it, and neither waits for the other in a circle."""
    for m in reversed(changing):
        cur.execute("select to_regclass(%s) is not null", [m.qualified])
        if cur.fetchone()[0]:
            cur.execute(sql.SQL("lock table {} in access exclusive mode").format(_published(m)))


def _drop_stage_views(cur, staged: list[Model]) -> None:
    """The staged next-state views and view models: read by the gates, not needed any more."""
    for m in staged:
        cur.execute(
            "select relkind from pg_class where oid = to_regclass(%s)",
            [f"{m.stage_schema}.{m.relation}"],
        )
        row = cur.fetchone()
        if row and row[0] == "v":
            cur.execute(
                sql.SQL("drop view {} cascade").format(sql.Identifier(m.stage_schema, m.relation))
            )


_PUBLISHERS = {"table": _publish_table, "days": _publish_days, "merge": _publish_merge}


def _publish_rejects(cur, domain: Domain, m: Model, days: Days | None) -> None:
    within = sql.SQL("")
    params = [domain.name, m.qualified]
    if days is not None:
        within = sql.SQL(" and day >= %s and day < %s")
        params += [days.start, days.stop]
    cur.execute(
        sql.SQL("delete from silver.rejects where domain = %s and table_name = %s{}").format(
            within
        ),
        params,
    )
    cur.execute(
        "with moved as (delete from silver_stage.rejects where domain = %s and table_name = %s"
        " returning *) insert into silver.rejects select * from moved",
        [domain.name, m.qualified],
    )


def _record_partitions(cur, m: Model, days) -> None:
    """Row counts and key ranges of the days being published (audit.partitions)."""
    if days is None:
        cur.execute("delete from audit.partitions where relation = %s", [m.qualified])
    else:
        cur.execute(
            "delete from audit.partitions where relation = %s and day >= %s and day < %s",
            [m.qualified, days.start, days.stop],
        )
    ranges = sql.SQL("null, null")
    if len(m.unique_key) == 1 and m.unique_key[0] != m.partition_by:
        ranges = sql.SQL("min({key})::text, max({key})::text").format(
            key=sql.Identifier(m.unique_key[0])
        )
    cur.execute(
        sql.SQL(
            "insert into audit.partitions (relation, day, row_count, key_min, key_max)"
            " select %s, {col}::date, count(*), {ranges} from {changes} group by 2"
        ).format(
            col=sql.Identifier(m.partition_by),
            ranges=ranges,
            changes=sql.Identifier(m.stage_schema, m.changes),
        ),
        [m.qualified],
    )


def _published(m: Model) -> sql.Identifier:
    return sql.Identifier(m.layer, m.relation)


def _drop(cur, m: Model) -> None:
    """Drop the published relation, whatever it is now (a model may change its kind); views
    over it go too and are re-created at the end of the publish."""
    cur.execute("select relkind from pg_class where oid = to_regclass(%s)", [m.qualified])
    row = cur.fetchone()
    if row:
        kind = sql.SQL("view" if row[0] == "v" else "table")
        cur.execute(sql.SQL("drop {} {} cascade").format(kind, _published(m)))
