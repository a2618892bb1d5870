"""Build one model into its layer's stage (``<layer>_stage``), as its materialization says.

What the model staged before (an earlier run's, kept for inspection until now, or an attempt
that failed) is dropped first. Its refs read what this run staged of them, else what is
published, so the models it refs are built first. An incremental model rebuilds only the days
the run changed upstream of it (:func:`days_to_rebuild`), and all of them if its published
relation has another shape (the model changed). Nothing here touches what readers see: the
publisher does that after the gates pass.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import Model, model
from include.elt.core.days import Days
from include.elt.core.paths import REPO_ROOT
from include.elt.stages.materialize.query import published
from include.elt.stages.materialize.registry import materialization
from include.elt.warehouse import catalog, ledger, locks
from include.elt.warehouse.catalog import Preview
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.ledger import ModelBuild, StagedModel
from include.elt.warehouse.locks import advisory_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changes:
    """What a run changed upstream of the models: its days, and the days each bronze dataset
    was loaded over. ``None`` for a run that rebuilds everything (a new world, a full refresh)."""

    days: Days
    loaded: dict[str, Days]


def build(
    url: str, domain: Domain, m: Model, run_id: str, changes: Changes | None, *, preview_rows=0
) -> tuple[ModelBuild, Preview | None]:
    """Build ``m`` into the stage, and record it; ``preview_rows``: also read that many of its
    first rows by key (in the same transaction: the staged relation as the gates and the
    publish will see it)."""
    clear(url, domain, m)
    with transaction(url) as conn, conn.cursor() as cur:
        staged = ledger.staged_models(cur, domain.name, run_id)
    days = days_to_rebuild(url, domain, m, changes, staged)
    started = time.perf_counter()
    materialized = materialization(m)
    with transaction(url) as conn, conn.cursor() as cur:
        _lock(cur, domain, m)
        if m.incremental and days is not None and not catalog.exists(cur, m.qualified):
            days = None  # nothing published yet to build on
        built = materialized.build(cur, domain, m, run_id, set(staged), days)
        if built is None:
            log.warning("%s changed shape: rebuilding it from all its inputs", m.qualified)
            cur.execute("rollback to savepoint model")
            days, built = None, materialized.build(cur, domain, m, run_id, set(staged), None)
        rows, rejected = built
        preview = None
        if preview_rows:
            preview = catalog.first_rows(
                cur, m.stage_schema, m.relation, m.unique_key, preview_rows
            )
        record = ModelBuild(
            m.qualified, _repo_path(m.path), m.materialization, rows, rejected, days
        )
        ledger.record_staged(
            cur,
            domain.name,
            run_id,
            m.name,
            layer=m.layer,
            materialization=m.materialization,
            days=days,
            rows=rows,
            rejected=rejected,
        )
        ledger.record_build(cur, run_id, domain.name, record)
    log.info(
        "%s %s (%s) from %s: %d rows, %d rejected, %.2fs",
        record.materialization,
        record.relation,
        record.span,
        record.sql_file,
        rows,
        rejected,
        time.perf_counter() - started,
    )
    return record, preview


def clear(url: str, domain: Domain, m: Model) -> None:
    """Forget a model's staging: its relations (and, by cascade, the staged views over them),
    its rejects, its staged row."""
    with transaction(url) as conn, conn.cursor() as cur:
        _lock(cur, domain, m)
        for name in (m.relation, m.changes):
            catalog.drop(cur, m.stage_schema, name)
        cur.execute(
            "delete from silver_stage.rejects where domain = %s and table_name = %s",
            [domain.name, m.qualified],
        )
        ledger.forget_staged(cur, domain.name, model=m.name)


def _lock(cur, domain: Domain, m: Model) -> None:
    """Models build side by side (the stage lock shared; publish takes it whole), each alone."""
    advisory_lock(cur, locks.stage_lock(domain.name), shared=True)
    advisory_lock(cur, locks.model_lock(domain.name, m.name))


def days_to_rebuild(
    url: str, domain: Domain, m: Model, changes: Changes | None, staged: dict[str, StagedModel]
) -> Days | None:
    """The days an incremental model rebuilds: the run's days, widened to the days its bronze
    sources were loaded over, to the days rebuilt of the incremental models it reads, and to
    the days holding rows it rejected for a parent key this run has now added (a day loaded
    late, after the days that refer to it). ``None``: all of them."""
    if changes is None or not m.incremental:
        return None
    spans = [changes.days]
    spans += [changes.loaded[s] for s in m.sources if s in changes.loaded]
    for name in m.refs:
        if name in staged and model(domain, name).incremental:
            if staged[name].days is None:  # rebuilt whole: so is everything that reads it
                return None
            spans.append(staged[name].days)
    spans += _days_with_resolvable_rejects(url, domain, m, staged)
    return Days(min(s.start for s in spans), max(s.end for s in spans))


def _days_with_resolvable_rejects(
    url: str, domain: Domain, m: Model, staged: dict[str, StagedModel]
) -> list[Days]:
    """The days of rows ``m`` rejected for a parent key that this run's staging of the parent
    adds. Only a ``table`` or ``days`` parent stages every row it adds (a table whole, a days
    model its rebuilt days)."""
    found = []
    with transaction(url) as conn, conn.cursor() as cur:
        for fk in m.foreign_keys:
            parent = model(domain, fk.model)
            if fk.model not in staged or parent.materialization not in ("table", "days"):
                continue
            if not catalog.exists(cur, parent.qualified):
                continue
            key = sql.Identifier(fk.parent_column)
            batch = sql.Identifier(*parent.batch)
            before = sql.SQL("select {} from {}").format(key, published(parent))
            days = staged[fk.model].days if parent.materialization == "days" else None
            if days:
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
                [*((days.start, days.stop) if days else ()), domain.name, m.qualified, fk.column],
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


def _repo_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
