"""What every materialization shares: a model's query rendered and run into a temporary table
(``pg_temp._model``), the rows it rejects, and the names of its relations.

A model returning a ``reject_reason`` column routes rows: null reason to the model, any other
to ``silver_stage.rejects`` with the reason and the whole record (moved to ``silver.rejects``
when the model is published).
"""

from __future__ import annotations

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import REJECT_COLUMN, Model, Scope, render
from include.elt.core.days import Days
from include.elt.warehouse.catalog import relation_columns


def render_query(cur, domain: Domain, m: Model, staged: set[str], days: Days | None) -> str:
    """The model's SQL for this run: its refs read the ``staged`` models from the stage, and an
    incremental model reads the ``days`` it rebuilds (``None``: all days)."""
    scope = Scope(staged=frozenset(staged), days=days, incremental=days is not None)
    return render(domain, m, scope, lambda c: c.as_string(cur)).strip().rstrip(";")


def materialize(cur, domain: Domain, m: Model, staged: set[str], days: Days | None):
    """Run the model's query into ``pg_temp._model``, after a savepoint ``model`` (the build
    rolls back to it to start again whole); returns the columns (name, type) it keeps."""
    query = render_query(cur, domain, m, staged, days)
    cur.execute("savepoint model")
    cur.execute("drop table if exists pg_temp._model")
    cur.execute(sql.SQL("create temp table _model on commit drop as {}").format(sql.SQL(query)))
    return [c for c in relation_columns(cur, "pg_temp._model") if c[0] != REJECT_COLUMN]


def has_rejects(cur) -> bool:
    return REJECT_COLUMN in {c for c, _ in relation_columns(cur, "pg_temp._model")}


def kept_rows(cur) -> sql.Composable:
    """The ``where`` that keeps the rows the model does not reject."""
    if has_rejects(cur):
        return sql.SQL("where {} is null").format(sql.Identifier(REJECT_COLUMN))
    return sql.SQL("")


def route_rejects(cur, domain: Domain, m: Model, run_id: str, day_column: str | None) -> int:
    """Stage the rows the model rejects, each with its day when it has one; their count."""
    if not has_rejects(cur):
        return 0
    day = sql.SQL("{}::date").format(sql.Identifier(day_column)) if day_column else sql.NULL
    cur.execute(
        sql.SQL(
            "insert into silver_stage.rejects (domain, table_name, reason, record, run_id, day)"
            " select %s, %s, reject_reason, to_jsonb(m) - 'reject_reason', %s, {}"
            " from _model as m where reject_reason is not null"
        ).format(day),
        [domain.name, m.qualified, run_id],
    )
    return cur.rowcount


def same_shape_as_published(cur, m: Model, kept: list[tuple[str, str]]) -> bool:
    """Whether the published relation has the columns (and types) the query keeps: if not, the
    model changed, and an incremental build must start again whole."""
    return kept == relation_columns(cur, m.qualified)


def published(m: Model) -> sql.Identifier:
    return sql.Identifier(m.layer, m.relation)


def in_stage(m: Model) -> sql.Identifier:
    """The relation readers will see, as staged: a table, or the view of the next state."""
    return sql.Identifier(m.stage_schema, m.relation)


def changes(m: Model) -> sql.Identifier:
    """An incremental model's staged rows."""
    return sql.Identifier(m.stage_schema, m.changes)


def column_list(names) -> sql.Composable:
    """A column list, from names or (name, type) pairs."""
    return sql.SQL(", ").join(sql.Identifier(n if isinstance(n, str) else n[0]) for n in names)
