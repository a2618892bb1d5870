"""Transform stage: build a layer's models into its stage (the *write* of write-audit-publish).

Each model of ``sql/<domain>/<layer>/`` is built into ``<layer>_stage`` as its declaration says
(:mod:`include.elt.contract.models`):

- ``table``: the whole table, rebuilt from its inputs.
- ``days``: only the run's days, as day partitions of ``<name>__changes``; ``<name>`` is a view
  of the next state (the published days outside the window, plus the new ones).
- ``merge``: the rows of the keys the run changes, in ``<name>__changes``; ``<name>`` is again a
  view of the next state.
- ``view``: the view itself, over the staged relations it refs.

A model returning a ``reject_reason`` column routes rows: null reason to the model, any other
to ``silver_stage.rejects`` with the reason and the whole record. Nothing here touches what
readers see; :mod:`include.elt.publish` does that after the gates pass.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from psycopg2 import sql

from include.elt.analytics_log import PREVIEW_LAYERS, PREVIEW_ROWS, log_compiled
from include.elt.contract.domain import Domain
from include.elt.contract.models import (
    REJECT_COLUMN,
    Model,
    ModelError,
    Scope,
    dependencies,
    model,
    render,
    sources,
)
from include.elt.core.days import Days
from include.elt.core.paths import REPO_ROOT
from include.elt.warehouse import catalog, locks
from include.elt.warehouse import partitions as parts
from include.elt.warehouse.catalog import relation_columns
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.locks import advisory_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changes:
    """What a run changed upstream of the models: its days, and the days each bronze dataset
    was loaded over. ``None`` for a run that rebuilds everything (a new world, a full refresh)."""

    days: Days
    loaded: dict[str, Days]


@dataclass(frozen=True)
class ModelResult:
    relation: str
    sql_file: str
    materialization: str
    rows: int
    rejected: int
    seconds: float
    days: Days | None = None  # the days it rebuilt; None: all of them
    preview: catalog.Preview | None = None  # its first rows by key, for the analytics log

    @property
    def span(self) -> str:
        """The days it rebuilt: ``days <start>..<end>``, or ``all``."""
        return f"days {self.days}" if self.days else "all"


def build_one(
    url: str,
    domain: Domain,
    m: Model,
    run_id: str,
    changes: Changes | None,
    *,
    analytics_log: Path | None = None,
) -> ModelResult:
    """Build one model into the stage; what it staged before (an earlier run, or an attempt
    that failed) is dropped first. Its refs read what this run staged of them (else what is
    published), so the models it refs are built first."""
    preview_rows = PREVIEW_ROWS if analytics_log is not None and m.layer in PREVIEW_LAYERS else 0
    clear_model(url, domain, m)
    staged = staged_days(url, domain, run_id)
    days = days_to_rebuild(url, domain, m, changes, staged)
    result = build_model(url, domain, m, run_id, set(staged), days, preview_rows=preview_rows)
    if analytics_log is not None:
        log_compiled(analytics_log, result)
    return result


def clear_model(url: str, domain: Domain, m: Model) -> None:
    """Forget a model's staging (the previous run's, kept for inspection until now): its
    relations (and, by cascade, the staged views over them), its rejects, its staged row."""
    with transaction(url) as conn, conn.cursor() as cur:
        _lock_model(cur, domain, m)
        cur.execute(
            "select c.relname, c.relkind from pg_class as c"
            " join pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = %s and c.relname = any(%s) and c.relkind in ('r', 'p', 'v')",
            [m.stage_schema, [m.relation, m.changes]],
        )
        for name, relkind in cur.fetchall():
            kind = sql.SQL("view" if relkind == "v" else "table")
            cur.execute(
                sql.SQL("drop {} if exists {} cascade").format(
                    kind, sql.Identifier(m.stage_schema, name)
                )
            )
        cur.execute(
            "delete from silver_stage.rejects where domain = %s and table_name = %s",
            [domain.name, m.qualified],
        )
        cur.execute(
            "delete from audit.staged_models where domain = %s and model = %s",
            [domain.name, m.name],
        )


def _lock_model(cur, domain: Domain, m: Model) -> None:
    """Models build side by side (the stage lock shared; publish takes it whole), each alone."""
    advisory_lock(cur, locks.stage_lock(domain.name), shared=True)
    advisory_lock(cur, locks.model_lock(domain.name, m.name))


def staged_by(url: str, domain: Domain, run_id: str) -> set[str]:
    return set(staged_days(url, domain, run_id))


def staged_days(url: str, domain: Domain, run_id: str) -> dict[str, Days | None]:
    """The models ``run_id`` staged so far, with the days each rebuilt (``None``: all)."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select model, window_start, window_end from audit.staged_models"
            " where domain = %s and run_id = %s",
            [domain.name, run_id],
        )
        return {
            name: Days.until(start, stop) if start else None for name, start, stop in cur.fetchall()
        }


def days_to_rebuild(
    url: str, domain: Domain, m: Model, changes: Changes | None, staged: dict[str, Days | None]
) -> Days | None:
    """The days an incremental model rebuilds: the run's days, widened to the days its bronze
    sources were loaded over, to the days rebuilt of the incremental models it reads, and to
    the days holding rows it rejected for a parent key this run has now added (a day loaded
    late, after the days that refer to it). ``None``: all of them."""
    if changes is None or not m.incremental:
        return None
    spans = [changes.days]
    spans += [changes.loaded[s] for s in sources(m) if s in changes.loaded]
    for name in dependencies(m):
        if name in staged and model(domain, name).incremental:
            if staged[name] is None:  # rebuilt whole: so is everything that reads it
                return None
            spans.append(staged[name])
    spans += _days_with_resolvable_rejects(url, domain, m, staged)
    return Days(min(s.start for s in spans), max(s.end for s in spans))


def _days_with_resolvable_rejects(
    url: str, domain: Domain, m: Model, staged: dict[str, Days | None]
) -> list[Days]:
    found = []
    with transaction(url) as conn, conn.cursor() as cur:
        for fk in m.foreign_keys:
            parent = model(domain, fk.model)
            if fk.model not in staged or parent.materialization not in ("table", "days"):
                continue
            if not _exists(cur, parent.layer, parent.relation):
                continue
            key = sql.Identifier(fk.parent_column)
            batch = sql.Identifier(parent.stage_schema, parent.batch[1])
            before = sql.SQL("select {} from {}").format(key, _published(parent))
            days = staged[fk.model]
            if parent.materialization == "days" and days:
                before += sql.SQL(" where {col} >= %s and {col} < %s").format(
                    col=sql.Identifier(parent.partition_by)
                )
            cur.execute(
                sql.SQL(
                    "with added as (select {key} from {batch} except {before})"
                    " select min(day), max(day) from silver.rejects"
                    " where domain = %s and table_name = %s and day is not null"
                    " and record ->> %s in (select {key}::text from added)"
                ).format(key=key, batch=batch, before=before),
                [
                    *((days.start, days.stop) if parent.materialization == "days" and days else ()),
                    domain.name,
                    m.qualified,
                    fk.column,
                ],
            )
            first, last = cur.fetchone()
            if first:
                log.info(
                    "%s: re-deriving %s..%s, whose rejects refer to %s rows this run added",
                    m.qualified,
                    first,
                    last,
                    parent.qualified,
                )
                found.append(Days(first, last))
    return found


def build_model(
    url: str,
    domain: Domain,
    m: Model,
    run_id: str,
    staged: set[str],
    days: Days | None,
    *,
    preview_rows: int = 0,
) -> ModelResult:
    """Build ``m`` into the stage; ``preview_rows``: also read that many of its first rows by key
    (in the same transaction: the staged relation as the gates and the publish will see it)."""
    started = time.perf_counter()
    with transaction(url) as conn, conn.cursor() as cur:
        _lock_model(cur, domain, m)
        incremental = m.incremental and days is not None and _exists(cur, m.layer, m.relation)
        builder = _BUILDERS[m.materialization]
        rows, rejected = builder(cur, domain, m, run_id, staged, days if incremental else None)
        if incremental and rows is None:  # the model changed shape: rebuild it whole
            log.warning("%s changed shape: rebuilding it from all its inputs", m.qualified)
            incremental = False
            cur.execute("rollback to savepoint model")
            rows, rejected = builder(cur, domain, m, run_id, staged, None)
        effective = days if incremental else None
        preview = None
        if preview_rows:
            preview = catalog.first_rows(
                cur, m.stage_schema, m.relation, m.unique_key, preview_rows
            )
        cur.execute(
            "insert into audit.staged_models (domain, layer, model, run_id, strategy,"
            " window_start, window_end, row_count, rejected_count)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " on conflict (domain, model) do update set layer = excluded.layer,"
            " run_id = excluded.run_id, strategy = excluded.strategy,"
            " window_start = excluded.window_start, window_end = excluded.window_end,"
            " row_count = excluded.row_count, rejected_count = excluded.rejected_count,"
            " built_at = now()",
            [
                domain.name,
                m.layer,
                m.name,
                run_id,
                m.materialization,
                *((effective.start, effective.stop) if effective else (None, None)),
                rows,
                rejected,
            ],
        )
        cur.execute(
            "insert into audit.model_builds (run_id, domain, relation, sql_file, materialized,"
            " row_count, rejected_count, window_start, window_end)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                run_id,
                domain.name,
                m.qualified,
                _repo_path(m.path),
                m.materialization,
                rows,
                rejected,
                *((effective.start, effective.stop) if effective else (None, None)),
            ],
        )
    result = ModelResult(
        m.qualified,
        _repo_path(m.path),
        m.materialization,
        rows,
        rejected,
        time.perf_counter() - started,
        effective,
        preview,
    )
    log.info(
        "%s %s (%s) from %s: %d rows, %d rejected, %.2fs",
        m.materialization,
        m.qualified,
        result.span,
        result.sql_file,
        rows,
        rejected,
        result.seconds,
    )
    return result


# --- one builder per kind: each returns (rows, rejected), or None rows if incremental is
# impossible because the published relation has another shape --------------------------------


def _build_view(cur, domain, m: Model, run_id, staged, days):
    query = _render(cur, domain, m, staged, None)
    target = sql.Identifier(m.stage_schema, m.relation)
    cur.execute(sql.SQL("create view {} as {}").format(target, sql.SQL(query)))
    cur.execute(sql.SQL("select count(*) from {}").format(target))
    return cur.fetchone()[0], 0


def _build_table(cur, domain, m: Model, run_id, staged, days):
    kept = _materialize(cur, domain, m, staged, None)
    target = sql.Identifier(m.stage_schema, m.relation)
    cur.execute(
        sql.SQL("create table {} as select {} from _model {}").format(
            target, _list(kept), _kept_rows(cur)
        )
    )
    rows = cur.rowcount
    rejected = _route_rejects(cur, domain, m, run_id, None)
    cur.execute(
        sql.SQL("create index {} on {} ({})").format(
            sql.Identifier(f"{m.relation}_key"), target, _list(m.unique_key)
        )
    )
    cur.execute(sql.SQL("analyze {}").format(target))
    return rows, rejected


def _build_days(cur, domain, m: Model, run_id, staged, days):
    kept = _materialize(cur, domain, m, staged, days)
    if days and kept != _published_columns(cur, m):
        return None, 0
    column = m.partition_by
    changes = sql.Identifier(m.stage_schema, m.changes)
    if days:
        cur.execute(
            sql.SQL("select count(*) from _model where not ({col} >= %s and {col} < %s)").format(
                col=sql.Identifier(column)
            ),
            [days.start, days.stop],
        )
        outside = cur.fetchone()[0]
        if outside:
            raise ModelError(
                f"{m.path}: {outside} rows fall outside the window {days}:"
                f" an incremental model must filter its input to"
                f" {{{{ window_start }}}}..{{{{ window_end }}}} on {column}"
            )
        ranges = parts.plan_ranges(days)
    else:
        cur.execute(
            sql.SQL("select min({col})::date, max({col})::date from _model").format(
                col=sql.Identifier(column)
            )
        )
        first, last = cur.fetchone()
        ranges = parts.plan_ranges(Days(first, last)) if first else []
    cur.execute(
        sql.SQL("create table {} (like pg_temp._model) partition by range ({})").format(
            changes, sql.Identifier(column)
        )
    )
    if _has_rejects(cur):
        cur.execute(
            sql.SQL("alter table {} drop column {}").format(changes, sql.Identifier(REJECT_COLUMN))
        )
    pg_type = parts.column_type(cur, m.stage_schema, m.changes, column)
    for part in ranges:
        table = parts.create_standalone(
            cur,
            m.stage_schema,
            f"{m.changes}_{parts.suffix(part)}",
            f"{m.stage_schema}.{m.changes}",
            column,
            pg_type,
            part,
        )
        parts.add_partition(cur, f"{m.stage_schema}.{m.changes}", table, part, pg_type)
    cur.execute(
        sql.SQL("insert into {} select {} from _model {}").format(
            changes, _list(kept), _kept_rows(cur)
        )
    )
    rows = cur.rowcount
    rejected = _route_rejects(cur, domain, m, run_id, column)
    published = sql.Identifier(m.layer, m.relation)
    next_state = sql.SQL("select * from {}").format(changes)
    if days:
        next_state = sql.SQL(
            "select * from {} where not ({col} >= {lo} and {col} < {hi}) union all {}"
        ).format(
            published,
            next_state,
            col=sql.Identifier(column),
            lo=sql.Literal(days.start),
            hi=sql.Literal(days.stop),
        )
    cur.execute(
        sql.SQL("create view {} as {}").format(
            sql.Identifier(m.stage_schema, m.relation), next_state
        )
    )
    cur.execute(sql.SQL("analyze {}").format(changes))
    return rows, rejected


def _build_merge(cur, domain, m: Model, run_id, staged, days):
    kept = _materialize(cur, domain, m, staged, days)
    if _has_rejects(cur):
        raise ModelError(f"{m.path}: a merge model cannot route {REJECT_COLUMN}")
    if days and kept != _published_columns(cur, m):
        return None, 0
    changes = sql.Identifier(m.stage_schema, m.changes)
    cur.execute(sql.SQL("create table {} as select * from _model").format(changes))
    rows = cur.rowcount
    key = _list(m.unique_key)
    cur.execute(
        sql.SQL("create unique index {} on {} ({})").format(
            sql.Identifier(f"{m.relation}_key"), changes, key
        )
    )
    next_state = sql.SQL("select * from {}").format(changes)
    if days:
        next_state = sql.SQL(
            "select * from {pub} as p where not exists (select from {chg} as c"
            " where ({c_key}) = ({p_key})) union all select * from {chg}"
        ).format(
            pub=sql.Identifier(m.layer, m.relation),
            chg=changes,
            c_key=sql.SQL(", ").join(sql.Identifier("c", k) for k in m.unique_key),
            p_key=sql.SQL(", ").join(sql.Identifier("p", k) for k in m.unique_key),
        )
    cur.execute(
        sql.SQL("create view {} as {}").format(
            sql.Identifier(m.stage_schema, m.relation), next_state
        )
    )
    cur.execute(sql.SQL("analyze {}").format(changes))
    return rows, 0


_BUILDERS = {"view": _build_view, "table": _build_table, "days": _build_days, "merge": _build_merge}


# --- helpers --------------------------------------------------------------------------------


def _render(cur, domain: Domain, m: Model, staged: set[str], days: Days | None) -> str:
    scope = Scope(staged=frozenset(staged), days=days, incremental=days is not None)
    return render(domain, m, scope, lambda c: c.as_string(cur)).strip().rstrip(";")


def _materialize(cur, domain, m: Model, staged, days) -> list[tuple[str, str]]:
    """Run the model's query into ``pg_temp._model``; returns the columns (and types) it keeps."""
    query = _render(cur, domain, m, staged, days)
    cur.execute("savepoint model")
    cur.execute("drop table if exists pg_temp._model")
    cur.execute(sql.SQL("create temp table _model on commit drop as {}").format(sql.SQL(query)))
    return [c for c in relation_columns(cur, "pg_temp._model") if c[0] != REJECT_COLUMN]


def _has_rejects(cur) -> bool:
    return REJECT_COLUMN in {c for c, _ in relation_columns(cur, "pg_temp._model")}


def _kept_rows(cur) -> sql.Composable:
    if _has_rejects(cur):
        return sql.SQL("where {} is null").format(sql.Identifier(REJECT_COLUMN))
    return sql.SQL("")


def _route_rejects(cur, domain: Domain, m: Model, run_id: str, day_column: str | None) -> int:
    if not _has_rejects(cur):
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


def _published_columns(cur, m: Model) -> list[tuple[str, str]]:
    return relation_columns(cur, m.qualified)


def _published(m: Model) -> sql.Identifier:
    return sql.Identifier(m.layer, m.relation)


def _exists(cur, schema: str, name: str) -> bool:
    cur.execute("select to_regclass(%s) is not null", [f"{schema}.{name}"])
    return cur.fetchone()[0]


def _list(names) -> sql.Composable:
    """A column list, from names or (name, type) pairs."""
    return sql.SQL(", ").join(sql.Identifier(n if isinstance(n, str) else n[0]) for n in names)


def _repo_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
