"""Publish: move what a run staged into ``silver`` and ``gold``, in one transaction.

Runs after every gate passed (write, audit, *publish*). Each staged model is published as its
materialization says (a table moved into place, day partitions swapped in, the rows of changed
keys merged), its rejects with it; then every view model is re-created over what is published.
Readers see all of it at once, or none of it: a gate that failed leaves published silver and
gold exactly as they were. The publish holds the domain's stage lock whole, so no build of the
domain runs meanwhile; it takes what it replaces from readers all at once, first, without making
them queue or deadlock (:func:`include.elt.warehouse.locks.lock_relations`), waiting as long as
the readers' session limits let one hold on (:mod:`include.elt.warehouse.readers`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import Model, models
from include.elt.core.days import Days
from include.elt.stages.materialize.query import in_stage
from include.elt.stages.materialize.registry import materialization
from include.elt.warehouse import catalog, ledger, readers
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.locks import advisory_lock, lock_relations, stage_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """A model the publish put in place, with the rows it staged."""

    relation: str
    materialization: str
    rows: int
    days: Days | None  # the days it replaced; None: all of them


def publish(url: str, domain: Domain, run_id: str) -> list[Published]:
    """Publish every model ``run_id`` staged (none: just re-create the domain's views)."""
    with transaction(url) as conn, conn.cursor() as cur:
        advisory_lock(cur, stage_lock(domain.name))
        staged = ledger.staged_models(cur, domain.name, run_id)
        everything = models(domain)
        done = []
        changing = [
            m for m in everything if m.name in staged or materialization(m).ALWAYS_REPUBLISHED
        ]
        lock_relations(cur, _lock_order(cur, changing), wait_seconds=readers.publish_wait(cur))
        _drop_stage_views(cur, [m for m in everything if m.name in staged])
        for m in everything:
            if m.name in staged and not materialization(m).ALWAYS_REPUBLISHED:
                days, rows = staged[m.name].days, staged[m.name].rows
                materialization(m).publish(cur, domain, m, days)
                _publish_rejects(cur, domain, m, days)
                done.append(Published(m.qualified, m.materialization, rows, days))
        for m in everything:  # after what they read is in place
            if materialization(m).ALWAYS_REPUBLISHED:
                materialization(m).publish(cur, domain, m, None)
                if m.name in staged:
                    rows = staged[m.name].rows
                    done.append(Published(m.qualified, m.materialization, rows, None))
        ledger.forget_staged(cur, domain.name, run_id=run_id)
    for p in done:
        span = f" days {p.days}" if p.days else ""
        log.info("published %s %s%s: %d rows", p.materialization, p.relation, span, p.rows)
    return done


def _lock_order(cur, changing: list[Model]) -> list[str]:
    """What the publish changes and readers can see now, in the order readers take locks: a view,
    then what it reads (dependents first)."""
    return [m.qualified for m in reversed(changing) if catalog.exists(cur, m.qualified)]


def _drop_stage_views(cur, staged: list[Model]) -> None:
    """The staged next-state views and view models: read by the gates, not needed any more."""
    for m in staged:
        if catalog.relkind(cur, f"{m.stage_schema}.{m.relation}") == "v":
            cur.execute(sql.SQL("drop view {} cascade").format(in_stage(m)))


def _publish_rejects(cur, domain: Domain, m: Model, days: Days | None) -> None:
    """The model's staged rejects replace its published ones (of the days it replaced)."""
    within = sql.SQL("")
    params = [domain.name, m.qualified]
    if days is not None:
        within = sql.SQL(" and day >= %s and day < %s")
        params += [days.start, days.stop]
    cur.execute(
        sql.SQL("delete from silver.rejects where domain = %s and table_name = %s{}").format(
            within
        ),
        params,
    )
    cur.execute(
        "with moved as (delete from silver_stage.rejects where domain = %s and table_name = %s"
        " returning *) insert into silver.rejects select * from moved",
        [domain.name, m.qualified],
    )
