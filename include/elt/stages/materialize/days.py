"""A ``days`` model: rebuilt day by day, and published by swapping day partitions.

**Build**: the days the run rebuilds (all of them when it rebuilds the model whole) as day
partitions of ``<model>__changes`` in the stage; ``<model>`` there is a view of the next state:
the published days outside those days, plus the new ones. A row outside the days fails the
build: the model's SQL must filter its input to ``{{ window_start }}``..``{{ window_end }}``.
Rejected rows keep their day, so a rerun of a day replaces its rejects.

**Publish**: each new day's row count and key range are recorded (``audit.partitions``: what
lets a later gate prove the key unique across all days without reading them), then the new
partitions replace the old ones of the same days (a new table when rebuilt whole); whole
months past the horizon are merged into one partition.
"""

from __future__ import annotations

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import REJECT_COLUMN, Model, ModelError
from include.elt.core.days import Days
from include.elt.stages.materialize import query
from include.elt.warehouse import catalog, ledger
from include.elt.warehouse import partitions as parts

ALWAYS_REPUBLISHED = False


def build(cur, domain: Domain, m: Model, run_id: str, staged: set[str], days: Days | None):
    kept = query.materialize(cur, domain, m, staged, days)
    if days and not query.same_shape_as_published(cur, m, kept):
        return None
    column = m.partition_by
    if days:
        _refuse_rows_outside(cur, m, days)
        ranges = parts.plan_ranges(days)
    else:
        cur.execute(
            sql.SQL("select min({col})::date, max({col})::date from _model").format(
                col=sql.Identifier(column)
            )
        )
        first, last = cur.fetchone()
        ranges = parts.plan_ranges(Days(first, last)) if first else []
    cur.execute(
        sql.SQL("create table {} (like pg_temp._model) partition by range ({})").format(
            query.changes(m), sql.Identifier(column)
        )
    )
    if query.has_rejects(cur):
        cur.execute(
            sql.SQL("alter table {} drop column {}").format(
                query.changes(m), sql.Identifier(REJECT_COLUMN)
            )
        )
    parent = f"{m.stage_schema}.{m.changes}"
    pg_type = parts.column_type(cur, m.stage_schema, m.changes, column)
    for part in ranges:
        name = f"{m.changes}_{parts.suffix(part)}"
        table = parts.create_standalone(cur, m.stage_schema, name, parent, column, pg_type, part)
        parts.add_partition(cur, parent, table, part, pg_type)
    cur.execute(
        sql.SQL("insert into {} select {} from _model {}").format(
            query.changes(m), query.column_list(kept), query.kept_rows(cur)
        )
    )
    rows = cur.rowcount
    rejected = query.route_rejects(cur, domain, m, run_id, column)
    next_state = sql.SQL("select * from {}").format(query.changes(m))
    if days:
        next_state = sql.SQL(
            "select * from {} where not ({col} >= {lo} and {col} < {hi}) union all {}"
        ).format(
            query.published(m),
            next_state,
            col=sql.Identifier(column),
            lo=sql.Literal(days.start),
            hi=sql.Literal(days.stop),
        )
    cur.execute(sql.SQL("create view {} as {}").format(query.in_stage(m), next_state))
    cur.execute(sql.SQL("analyze {}").format(query.changes(m)))
    return rows, rejected


def _refuse_rows_outside(cur, m: Model, days: Days) -> None:
    column = m.partition_by
    cur.execute(
        sql.SQL("select count(*) from _model where not ({col} >= %s and {col} < %s)").format(
            col=sql.Identifier(column)
        ),
        [days.start, days.stop],
    )
    outside = cur.fetchone()[0]
    if outside:
        raise ModelError(
            f"{m.path}: {outside} rows fall outside the window {days}:"
            f" an incremental model must filter its input to"
            f" {{{{ window_start }}}}..{{{{ window_end }}}} on {column}"
        )


def publish(cur, domain: Domain, m: Model, days: Days | None) -> None:
    column = m.partition_by
    key = m.unique_key[0] if len(m.unique_key) == 1 and m.unique_key[0] != column else None
    ledger.record_partitions(
        cur, m.qualified, days, rows=query.changes(m), day_column=column, key_column=key
    )
    if days is None:  # rebuilt whole: a new parent, nothing of the old one kept
        catalog.drop(cur, m.layer, m.relation)
    cur.execute(
        sql.SQL("create table if not exists {} (like {}) partition by range ({})").format(
            query.published(m), query.changes(m), sql.Identifier(column)
        )
    )
    new = []
    for part in parts.partitions_of(cur, m.stage_schema, m.changes):
        table = sql.Identifier(m.stage_schema, part.name)
        parts.detach(cur, f"{m.stage_schema}.{m.changes}", table)
        cur.execute(sql.SQL("alter table {} set schema {}").format(table, sql.Identifier(m.layer)))
        new.append((part.name, part.days))
    cur.execute(sql.SQL("drop table {}").format(query.changes(m)))
    parts.swap_in(cur, m.layer, m.relation, column, new, replace_all=days is None)
    parts.compact(cur, m.layer, m.relation, column)
