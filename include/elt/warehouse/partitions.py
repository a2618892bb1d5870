"""Range partitions by day: how bronze, silver and gold replace days without DELETE.

A partitioned table holds non-overlapping partitions, each one day (``<table>_p20261122``) or a
longer range (``<table>_p20240101_20260921``, the history loaded before a domain's first day).
New rows are written into standalone tables carrying a CHECK constraint of their bounds, so
attaching them needs no scan; :func:`swap_in` then drops what they replace (splitting a range
that is only partly replaced) and attaches them, all inside the caller's transaction. Readers see
the old partitions or the new ones, never a mix, and no row is deleted or index entry updated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from psycopg2 import sql

from include.elt.core.days import Days
from include.elt.warehouse import catalog

_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


def suffix(days: Days) -> str:
    """A partition's name suffix: ``p20261122`` for a day, ``p20240101_20260921`` for more."""
    if days.start == days.end:
        return f"p{days.start:%Y%m%d}"
    return f"p{days.start:%Y%m%d}_{days.end:%Y%m%d}"


def plan_ranges(days: Days, daily_from: date | None = None) -> list[Days]:
    """The partitions for ``days``: the days before ``daily_from`` (the history before a
    window) as one; then, as :func:`compact` would leave them, each month that ended
    :data:`DAILY_HORIZON_DAYS` before the last day as one, and a partition per later day."""
    daily_from = max(daily_from or days.start, days.start)
    ranges = [Days.until(days.start, daily_from)] if daily_from > days.start else []
    horizon = days.stop - timedelta(days=DAILY_HORIZON_DAYS)
    day = daily_from
    while day <= days.end:
        month_end = _next_month(day.replace(day=1))
        if month_end <= horizon:
            ranges.append(Days.until(day, month_end))
            day = month_end
        else:
            ranges.append(Days.day(day))
            day += timedelta(days=1)
    return ranges


@dataclass(frozen=True)
class Partition:
    schema: str
    name: str
    days: Days


def partitions_of(cur, schema: str, table: str) -> list[Partition]:
    cur.execute(
        "select c.relname, pg_get_expr(c.relpartbound, c.oid)"
        " from pg_inherits as i join pg_class as c on c.oid = i.inhrelid"
        " join pg_namespace as n on n.oid = c.relnamespace"
        " where i.inhparent = to_regclass(%s) order by 1",
        [f"{schema}.{table}"],
    )
    found = []
    for name, bound in cur.fetchall():
        match = _BOUND.search(bound or "")
        if not match:
            raise RuntimeError(f"{schema}.{name} has an unexpected partition bound: {bound}")
        start, stop = (_as_date(v) for v in match.groups())
        found.append(Partition(schema, name, Days.until(start, stop)))
    return found


def _as_date(value: str) -> date:
    if value == "-infinity":
        return date.min
    if value == "infinity":
        return date.max
    return date.fromisoformat(value[:10])


def column_type(cur, schema: str, table: str, column: str) -> str:
    found = catalog.column_type(cur, f"{schema}.{table}", column)
    if found is None:
        raise RuntimeError(f"{schema}.{table} has no column {column!r}")
    return found


def _bound(day: date, pg_type: str) -> sql.Composable:
    return sql.SQL("{}::{}").format(sql.Literal(day.isoformat()), sql.SQL(pg_type))


def create_standalone(
    cur, schema: str, name: str, like: str, column: str, pg_type: str, days: Days
) -> sql.Identifier:
    """A table shaped like ``like`` (a qualified name) that only accepts rows of ``days``."""
    table = sql.Identifier(schema, name)
    cur.execute(
        sql.SQL("create table {} (like {} including defaults)").format(
            table, sql.Identifier(*like.split("."))
        )
    )
    cur.execute(
        sql.SQL("alter table {} add constraint {} check ({col} >= {lo} and {col} < {hi})").format(
            table,
            sql.Identifier(f"{name}_bounds"),
            col=sql.Identifier(column),
            lo=_bound(days.start, pg_type),
            hi=_bound(days.stop, pg_type),
        )
    )
    return table


def create_partitioned_like(cur, schema: str, name: str, like: str, column: str) -> None:
    cur.execute(
        sql.SQL("create table {} (like {} including defaults) partition by range ({})").format(
            sql.Identifier(schema, name), sql.Identifier(*like.split(".")), sql.Identifier(column)
        )
    )


def add_partition(cur, parent: str, table: sql.Identifier, days: Days, pg_type: str) -> None:
    cur.execute(
        sql.SQL("alter table {} attach partition {} for values from ({}) to ({})").format(
            sql.Identifier(*parent.split(".")),
            table,
            _bound(days.start, pg_type),
            _bound(days.stop, pg_type),
        )
    )


def detach(cur, parent: str, table: sql.Identifier) -> None:
    cur.execute(
        sql.SQL("alter table {} detach partition {}").format(
            sql.Identifier(*parent.split(".")), table
        )
    )


def swap_in(
    cur,
    schema: str,
    table: str,
    column: str,
    new: Iterable[tuple[str, Days]],
    *,
    replace_all: bool = False,
) -> dict[Days, str]:
    """Make the standalone tables ``new`` (``schema.<name>``, range) partitions of ``table``.

    Existing partitions they overlap are dropped; one only partly covered keeps its other days,
    copied into new partitions. ``replace_all`` drops every existing partition first (a new
    synthetic world). Returns the final partition name of every new range.
    """
    new = sorted(new, key=lambda item: item[1])
    parent = f"{schema}.{table}"
    pg_type = column_type(cur, schema, table, column)
    existing = partitions_of(cur, schema, table)
    keep: list[tuple[sql.Identifier, Days]] = []
    for old in existing:
        if not replace_all and not any(old.days.overlaps(r) for _, r in new):
            continue
        if not replace_all:
            for piece in _outside(old.days, [r for _, r in new]):
                keep.append((_copy_piece(cur, old, parent, column, pg_type, piece), piece))
        cur.execute(sql.SQL("drop table {}").format(sql.Identifier(schema, old.name)))
    names = {}
    for staged, days in new:
        final = f"{table}_{suffix(days)}"
        if staged != final:
            cur.execute(
                sql.SQL("alter table {} rename to {}").format(
                    sql.Identifier(schema, staged), sql.Identifier(final)
                )
            )
        add_partition(cur, parent, sql.Identifier(schema, final), days, pg_type)
        names[days] = final
    for piece_table, days in keep:
        add_partition(cur, parent, piece_table, days, pg_type)
    return names


def _outside(whole: Days, covered: list[Days]) -> list[Days]:
    """The parts of ``whole`` that no days of ``covered`` touch."""
    pieces, start = [], whole.start
    for r in sorted(covered):
        if r.stop <= start or r.start > whole.end:
            continue
        if r.start > start:
            pieces.append(Days.until(start, r.start))
        start = max(start, r.stop)
    if start <= whole.end:
        pieces.append(Days(start, whole.end))
    return pieces


def _copy_piece(
    cur, old: Partition, parent: str, column: str, pg_type: str, piece: Days
) -> sql.Identifier:
    name = f"{parent.split('.')[1]}_{suffix(piece)}"
    target = create_standalone(cur, old.schema, name, parent, column, pg_type, piece)
    cur.execute(
        sql.SQL("insert into {} select * from {} where {col} >= {lo} and {col} < {hi}").format(
            target,
            sql.Identifier(old.schema, old.name),
            col=sql.Identifier(column),
            lo=_bound(piece.start, pg_type),
            hi=_bound(piece.stop, pg_type),
        )
    )
    return target


# Days within this many days of a table's newest partition keep a partition each (reruns and
# backfills mostly touch recent days); complete months before that are merged into one. The
# partition count, and what PostgreSQL spends per partition planning a query, stays bounded.
DAILY_HORIZON_DAYS = 62


def compact(cur, schema: str, table: str, column: str) -> list[Days]:
    """Merge the partitions of each calendar month that ended before the horizon into one.
    Returns the merged ranges (a month already in one partition is left alone)."""
    existing = partitions_of(cur, schema, table)
    if not existing:
        return []
    newest = max(p.days.stop for p in existing if p.days.stop != date.max)
    horizon = newest - timedelta(days=DAILY_HORIZON_DAYS)
    by_month: dict[date, list[Partition]] = {}
    for p in existing:
        start, stop = p.days.start, p.days.stop
        month = start.replace(day=1)
        if start == date.min or stop > _next_month(month) or _next_month(month) > horizon:
            continue  # crosses a month (the history before a first day), or a recent month
        by_month.setdefault(month, []).append(p)
    merged = []
    pg_type = column_type(cur, schema, table, column)
    parent = f"{schema}.{table}"
    for _, group in sorted(by_month.items()):
        if len(group) < 2:
            continue
        days = Days(min(p.days.start for p in group), max(p.days.end for p in group))
        name = f"{table}_{suffix(days)}__merge"
        target = create_standalone(cur, schema, name, parent, column, pg_type, days)
        cur.execute(
            sql.SQL("insert into {} select * from {} where {col} >= {lo} and {col} < {hi}").format(
                target,
                sql.Identifier(schema, table),
                col=sql.Identifier(column),
                lo=_bound(days.start, pg_type),
                hi=_bound(days.stop, pg_type),
            )
        )
        swap_in(cur, schema, table, column, [(name, days)])
        merged.append(days)
    return merged


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)
