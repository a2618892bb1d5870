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


def qualified(domain_name: str, layer: str, name: str) -> str:
    """A table's name as SQL writes it, ``layer.<domain>_<name>``, by the platform's rule."""
    return load_domain(domain_name).qualified(layer, name)


def count(url: str, relation: str) -> int:
    """Rows of ``relation`` (``schema.name``)."""
    statement = sql.SQL("select count(*) from {}").format(sql.Identifier(*relation.split(".")))
    return query(url, statement)[0][0]


def checksum(url: str, relation: str) -> str:
    """md5 of every row's data columns in key order; lineage (run id, load time) is excluded."""
    schema, name = relation.split(".")
    columns = [
        column
        for (column,) in query(
            url,
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            [schema, name],
        )
        if column not in LINEAGE_COLUMNS
    ]
    row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
    statement = sql.SQL(
        "select md5(coalesce(string_agg({row}, '|' order by {row}), '')) from {t}"
    ).format(row=row, t=sql.Identifier(schema, name))
    return query(url, statement)[0][0]


def relations(domain_name: str) -> list[str]:
    """Every published relation of a domain: bronze tables and silver/gold models."""
    domain = load_domain(domain_name)
    return [domain.qualified("bronze", d.name) for d in domain.datasets] + [
        m.qualified for m in models(domain)
    ]


def warehouse_state(url: str, domain_name: str = "streaming") -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table and view of a domain, as readers see them."""
    return layer_state(url, domain_name, "bronze", "silver", "gold")


def layer_state(url: str, domain_name: str, *layers: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of the relations of a domain in ``layers``."""
    return {
        relation: (count(url, relation), checksum(url, relation))
        for relation in relations(domain_name)
        if relation.split(".")[0] in layers
    }
