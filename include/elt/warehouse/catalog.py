"""What the warehouse's catalog says of a relation: its columns, its kind, whether it exists;
and its first rows by key, as text (a preview).

Queries of ``pg_catalog`` and the relations themselves, by name; nothing here knows a domain or
a model.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql


def relation_columns(cur, relation: str) -> list[tuple[str, str]]:
    """An existing relation's columns in order, as (name, SQL type); none if it is missing."""
    cur.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute"
        " where attrelid = to_regclass(%s) and attnum > 0 and not attisdropped order by attnum",
        [relation],
    )
    return [tuple(r) for r in cur.fetchall()]


def column_type(cur, relation: str, column: str) -> str | None:
    """The SQL type of a relation's column (``None``: no such column)."""
    return dict(relation_columns(cur, relation)).get(column)


def exists(cur, relation: str) -> bool:
    cur.execute("select to_regclass(%s) is not null", [relation])
    return cur.fetchone()[0]


def relkind(cur, relation: str) -> str | None:
    """``r`` a table, ``p`` a partitioned table, ``v`` a view; ``None``: no such relation."""
    cur.execute("select relkind from pg_class where oid = to_regclass(%s)", [relation])
    row = cur.fetchone()
    return row[0] if row else None


def drop(cur, schema: str, name: str) -> None:
    """Drop a relation, whatever it is now (a table or a view), and what depends on it."""
    kind = relkind(cur, f"{schema}.{name}")
    if kind is not None:
        what = sql.SQL("view" if kind == "v" else "table")
        cur.execute(sql.SQL("drop {} {} cascade").format(what, sql.Identifier(schema, name)))


@dataclass(frozen=True)
class Preview:
    """The first rows of a relation by its key, each value as PostgreSQL writes it as text."""

    key: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]


def first_rows(cur, schema: str, relation: str, key: tuple[str, ...], limit: int) -> Preview:
    """The first ``limit`` rows of ``schema.relation`` ordered by ``key`` (all columns if none)."""
    columns = tuple(name for name, _ in relation_columns(cur, f"{schema}.{relation}"))
    # Qualified, so the order is the columns' own, not their text (output names win otherwise).
    cur.execute(
        sql.SQL("select {} from {} as t order by {} limit %s").format(
            sql.SQL(", ").join(sql.SQL("t.{}::text").format(sql.Identifier(c)) for c in columns),
            sql.Identifier(schema, relation),
            sql.SQL(", ").join(sql.Identifier("t", c) for c in key or columns),
        ),
        [limit],
    )
    return Preview(tuple(key), columns, tuple(tuple(r) for r in cur.fetchall()))
