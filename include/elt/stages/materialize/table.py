"""A ``table`` model: rebuilt whole from its inputs at every build.

**Build**: the whole table in the stage, its rejects routed, indexed on its key.
**Publish**: the published table is dropped and the staged one moved into place.
"""

from __future__ import annotations

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import Model
from include.elt.core.days import Days
from include.elt.stages.materialize import query
from include.elt.warehouse import catalog

ALWAYS_REPUBLISHED = False


def build(cur, domain: Domain, m: Model, run_id: str, staged: set[str], days: Days | None):
    kept = query.materialize(cur, domain, m, staged, None)
    cur.execute(
        sql.SQL("create table {} as select {} from _model {}").format(
            query.in_stage(m), query.column_list(kept), query.kept_rows(cur)
        )
    )
    rows = cur.rowcount
    rejected = query.route_rejects(cur, domain, m, run_id, None)
    cur.execute(
        sql.SQL("create index {} on {} ({})").format(
            sql.Identifier(f"{m.relation}_key"), query.in_stage(m), query.column_list(m.unique_key)
        )
    )
    cur.execute(sql.SQL("analyze {}").format(query.in_stage(m)))
    return rows, rejected


def publish(cur, domain: Domain, m: Model, days: Days | None) -> None:
    catalog.drop(cur, m.layer, m.relation)
    cur.execute(
        sql.SQL("alter table {} set schema {}").format(query.in_stage(m), sql.Identifier(m.layer))
    )
