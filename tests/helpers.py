"""Small queries the tests share."""

from __future__ import annotations

from psycopg2 import sql

from include.elt.domain import load_domain
from include.elt.models import models
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


def relations(domain_name: str) -> list[tuple[str, str]]:
    """Every published relation of a domain: bronze tables and silver/gold models."""
    domain = load_domain(domain_name)
    return [("bronze", domain.relation(d.name)) for d in domain.datasets] + [
        (m.layer, m.relation) for m in models(domain)
    ]


def warehouse_state(url: str, domain_name: str = "streaming") -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table and view of a domain, as readers see them."""
    return layer_state(url, domain_name, "bronze", "silver", "gold")


def layer_state(url: str, domain_name: str, *layers: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of the relations of a domain in ``layers``."""
    return {
        f"{schema}.{table}": (count(url, schema, table), checksum(url, schema, table))
        for schema, table in relations(domain_name)
        if schema in layers
    }
