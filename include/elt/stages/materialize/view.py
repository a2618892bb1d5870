"""A ``view`` model: a view, holding no rows of its own.

**Build**: the view in the stage, over the staged relations it refs (else the published ones):
what the gates read. **Publish**: every publish re-creates every view model over the published
relations, after the others are in place (dropping a table it reads dropped it).
"""

from __future__ import annotations

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import Model
from include.elt.core.days import Days
from include.elt.stages.materialize import query
from include.elt.warehouse import catalog

ALWAYS_REPUBLISHED = True


def build(cur, domain: Domain, m: Model, run_id: str, staged: set[str], days: Days | None):
    cur.execute(
        sql.SQL("create view {} as {}").format(
            query.in_stage(m), sql.SQL(query.render_query(cur, domain, m, staged, None))
        )
    )
    cur.execute(sql.SQL("select count(*) from {}").format(query.in_stage(m)))
    return cur.fetchone()[0], 0


def publish(cur, domain: Domain, m: Model, days: Days | None) -> None:
    text = query.render_query(cur, domain, m, set(), None)
    catalog.drop(cur, m.layer, m.relation)
    cur.execute(sql.SQL("create view {} as {}").format(query.published(m), sql.SQL(text)))
