"""Small queries the tests share."""

from __future__ import annotations

from psycopg2 import sql

from include.elt.schema import LINEAGE_COLUMNS
from include.elt.warehouse import transaction


def query(url: str, statement: str | sql.Composable, params=None) -> list[tuple]:
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


def count(url: str, schema: str, table: str) -> int:
    return query(url, sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table)))[0][
        0
    ]


def checksum(url: str, schema: str, table: str) -> str:
    """md5 of every row's data columns in key order; lineage (run id, load time) is excluded."""
    columns = [
        name
        for (name,) in query(
            url,
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            [schema, table],
        )
        if name not in LINEAGE_COLUMNS
    ]
    row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
    statement = sql.SQL(
        "select md5(coalesce(string_agg({row}, '|' order by {row}), '')) from {t}"
    ).format(row=row, t=sql.Identifier(schema, table))
    return query(url, statement)[0][0]


STREAMING_TABLES = {
    "bronze": ["plans", "content", "customers", "subscriptions", "usage_logs"],
    "silver": ["plans", "content", "customers", "subscriptions", "usage_logs"],
    "gold": ["top_content", "engagement"],
}


def warehouse_state(url: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every streaming table and view."""
    return {
        f"{layer}.{t}": (
            count(url, layer, f"streaming_{t}"),
            checksum(url, layer, f"streaming_{t}"),
        )
        for layer, tables in STREAMING_TABLES.items()
        for t in tables
    }
