"""A ``merge`` model: rebuilt by key, and published by replacing the rows of the keys it changed.

**Build**: the rows of the keys the run changes, in ``<model>__changes`` in the stage (all rows
when it rebuilds the model whole), unique by key; ``<model>`` there is a view of the next state:
the published rows of other keys, plus the changed ones. It cannot route rejects.

**Publish**: the changed keys' published rows are deleted and the new ones inserted (rebuilt
whole: the staged table moves into place).
"""

from __future__ import annotations

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import REJECT_COLUMN, Model, ModelError
from include.elt.core.days import Days
from include.elt.stages.materialize import query
from include.elt.warehouse import catalog

ALWAYS_REPUBLISHED = False


def build(cur, domain: Domain, m: Model, run_id: str, staged: set[str], days: Days | None):
    kept = query.materialize(cur, domain, m, staged, days)
    if query.has_rejects(cur):
        raise ModelError(f"{m.path}: a merge model cannot route {REJECT_COLUMN}")
    if days and not query.same_shape_as_published(cur, m, kept):
        return None
    cur.execute(sql.SQL("create table {} as select * from _model").format(query.changes(m)))
    rows = cur.rowcount
    cur.execute(
        sql.SQL("create unique index {} on {} ({})").format(
            sql.Identifier(f"{m.relation}_key"), query.changes(m), query.column_list(m.unique_key)
        )
    )
    next_state = sql.SQL("select * from {}").format(query.changes(m))
    if days:
        next_state = sql.SQL(
            "select * from {pub} as p where not exists (select from {chg} as c"
            " where ({c_key}) = ({p_key})) union all select * from {chg}"
        ).format(
            pub=query.published(m),
            chg=query.changes(m),
            c_key=sql.SQL(", ").join(sql.Identifier("c", k) for k in m.unique_key),
            p_key=sql.SQL(", ").join(sql.Identifier("p", k) for k in m.unique_key),
        )
    cur.execute(sql.SQL("create view {} as {}").format(query.in_stage(m), next_state))
    cur.execute(sql.SQL("analyze {}").format(query.changes(m)))
    return rows, 0


def publish(cur, domain: Domain, m: Model, days: Days | None) -> None:
    if days is None:
        catalog.drop(cur, m.layer, m.relation)
        cur.execute(
            sql.SQL("alter table {} set schema {}").format(
                query.changes(m), sql.Identifier(m.layer)
            )
        )
        cur.execute(
            sql.SQL("alter table {} rename to {}").format(
                sql.Identifier(m.layer, m.changes), sql.Identifier(m.relation)
            )
        )
        return
    key = query.column_list(m.unique_key)
    cur.execute(
        sql.SQL("delete from {} where ({}) in (select {} from {})").format(
            query.published(m), key, key, query.changes(m)
        )
    )
    cur.execute(
        sql.SQL("insert into {} select * from {}").format(query.published(m), query.changes(m))
    )
    cur.execute(sql.SQL("drop table {}").format(query.changes(m)))
