"""The gold reports: each of a domain's ``reports`` exported as CSV, by ``publish``."""

from __future__ import annotations

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.files import storage
from include.elt.warehouse.connection import transaction


def export_reports(url: str, domain: Domain, reports_dir: storage.Location):
    """Export every report of the domain into ``reports_dir``: ({file name: path}, rows)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    written, rows = {}, 0
    for file_name, view in domain.reports.items():
        target = reports_dir / file_name
        rows += export_csv(url, "gold", domain.relation(view), target)
        written[file_name] = target
    return written, rows


def export_csv(url: str, schema: str, relation: str, target: storage.Location) -> int:
    """COPY a relation to CSV with a header, streamed into ``target``, which is replaced whole
    or not at all (a local file by a rename, an object by its one upload)."""
    with (
        storage.replacing(target) as f,
        transaction(url) as conn,
        conn.cursor() as cur,
    ):
        cur.copy_expert(
            sql.SQL("copy (select * from {}) to stdout with (format csv, header)").format(
                sql.Identifier(schema, relation)
            ),
            f,
        )
        rows = cur.rowcount
    return rows
