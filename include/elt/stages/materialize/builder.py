"""Build one model into its layer's stage (``<layer>_stage``), as its materialization says.

What the model staged before (an earlier run's, kept for inspection until now) is dropped
first, in the build's transaction. Its refs read what this run staged of them, else what is
published, so the models it refs are built first. An incremental model rebuilds only the days
the run changed upstream of it (:func:`days_to_rebuild`), and all of them if its published
relation has another shape (the model changed). Nothing here touches what readers see: the
publisher does that after the gates pass.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import Model, models
from include.elt.core.days import Days
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
    """Build ``m`` into the stage and record it, in one transaction: a build that fails leaves
    the stage as it was. ``preview_rows``: also read that many of its first rows by key (the
    staged relation as the gates and the publish will see it)."""
    started = time.perf_counter()
    with transaction(url) as conn, conn.cursor() as cur:
        _lock(cur, domain, m)
        _clear(cur, domain, m)
        staged = ledger.staged_models(cur, domain.name, run_id)
        days = days_to_rebuild(cur, domain, m, changes, staged)
        rows, rejected, days = _build(cur, domain, m, run_id, set(staged), days)
        preview = None
        if preview_rows:
            preview = catalog.first_rows(
                cur, m.stage_schema, m.relation, m.unique_key, preview_rows
            )
        record = ModelBuild(m.qualified, m.sql_file, m.materialization, rows, rejected, days)
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


def _lock(cur, domain: Domain, m: Model) -> None:
    """Models build side by side (the stage lock shared; publish takes it whole), each alone."""
    advisory_lock(cur, locks.stage_lock(domain.name), shared=True)
    advisory_lock(cur, locks.model_lock(domain.name, m.name))


def _clear(cur, domain: Domain, m: Model) -> None:
    """Forget what the model staged before (an earlier run's, kept for inspection until now):
    its relations (and, by cascade, the staged views over them), its rejects, its staged row."""
    for name in (m.relation, m.changes):
        catalog.drop(cur, m.stage_schema, name)
    cur.execute(
        "delete from silver_stage.rejects where domain = %s and table_name = %s",
        [domain.name, m.qualified],
    )
    ledger.forget_staged(cur, domain.name, model=m.name)


def _build(cur, domain: Domain, m: Model, run_id: str, staged: set[str], days: Days | None):
    """Build as the model's materialization says: (rows, rejected, the days rebuilt). Only the
    days, if it is incremental and has a published state to build on; all of them if that
    state has another shape (the model changed)."""
    materialized = materialization(m)
    if days is not None and not catalog.exists(cur, m.qualified):
        days = None  # nothing published yet to build on
    built = materialized.build(cur, domain, m, run_id, staged, days)
    if built is None:
        log.warning("%s changed shape: rebuilding it from all its inputs", m.qualified)
        cur.execute("rollback to savepoint model")
        days, built = None, materialized.build(cur, domain, m, run_id, staged, None)
    return (*built, days)


def days_to_rebuild(
    cur, domain: Domain, m: Model, changes: Changes | None, staged: dict[str, StagedModel]
) -> Days | None:
    """The days an incremental model rebuilds: the run's days, widened to the days its bronze
    sources were loaded over, to the days rebuilt of the incremental models it reads, and to
    the days holding rows it rejected for a parent key this run has now added (a day loaded
    late, after the days that refer to it). ``None``: all of them."""
    if changes is None or not m.incremental:
        return None
    known = {other.name: other for other in models(domain)}
    spans = [changes.days]
    spans += [changes.loaded[s] for s in m.sources if s in changes.loaded]
    for name in m.refs:
        if name in staged and known[name].incremental:
            if staged[name].days is None:  # rebuilt whole: so is everything that reads it
                return None
            spans.append(staged[name].days)
    spans += _days_with_resolvable_rejects(cur, domain, m, known, staged)
    return Days(min(s.start for s in spans), max(s.end for s in spans))


def _days_with_resolvable_rejects(
    cur, domain: Domain, m: Model, known: dict[str, Model], staged: dict[str, StagedModel]
) -> list[Days]:
    """The days of rows ``m`` rejected for a parent key that this run's staging of the parent
    adds. Only a ``table`` or ``days`` parent stages every row it adds (a table whole, a days
    model its rebuilt days)."""
    found = []
    for fk in m.foreign_keys:
        parent = known[fk.model]
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
