"""What a layer's gate validates: a batch per table of the rows this run wrote, and the
expectations it holds them to.

The batch is the days a run loaded into bronze (the run's own view in ``bronze_stage``, made by
the load's commit: :mod:`include.elt.warehouse.batches`), the staged rows of an incremental
silver or gold model, all of a table or view the run rebuilt.
Besides its suite (``include/domains/<domain>/expectations/``, SQL written as templates like the
models), each model gets the checks its declaration implies (:mod:`.derived`). Every check runs
as SQL in the warehouse.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.models import Model, Scope, models, render_text
from include.elt.core.days import Days
from include.elt.core.errors import FinalError
from include.elt.warehouse import batches, catalog, ledger
from include.elt.warehouse.connection import transaction


class QualityError(FinalError, RuntimeError):
    """A checkpoint failed; the message lists every failing expectation, and ``gate`` says it
    for the audit row (and the alert it sends): how many failed of how many, the first few,
    the failed validation's Data Docs page."""

    def __init__(self, message: str, gate: dict | None = None) -> None:
        super().__init__(message)
        self.gate = gate


@dataclass(frozen=True)
class Target:
    """One suite, and the relation holding the rows it validates."""

    suite: str  # the published name, e.g. silver.shop_orders
    schema: str
    table: str
    expectations: list


def targets(
    url: str, domain: Domain, layer: str, run_id: str, *, full_refresh: bool = False
) -> list[Target]:
    """What a layer's gate validates for ``run_id``: each table's suite, and its batch."""
    from include.elt.stages.validate.derived import derived_checks  # GX: when a gate runs

    suites = importlib.import_module(f"{domain.expectations_module}.{layer}").SUITES
    with transaction(url) as conn, conn.cursor() as cur:
        quote = lambda c: c.as_string(cur)  # noqa: E731
        if layer == "bronze":
            scope = Scope()
            found = [
                Target(
                    domain.qualified("bronze", d.name),
                    batches.SCHEMA,
                    batches.batch_name(domain.relation(d.name), run_id),
                    _render_all(domain, suites[d.name](), scope, quote),
                )
                for d in domain.datasets
            ]
            return found
        staged = ledger.staged_models(cur, domain.name, run_id)
        if layer not in {s.layer for s in staged.values()}:
            raise QualityError(
                f"{domain.name} {layer}: run {run_id} staged nothing to validate"
                f" (build_{layer} must run first, in the same run)"
            )
        everything = models(domain)
        parents = {m.name: m for m in everything}
        found = []
        for m in (m for m in everything if m.layer == layer and m.name in staged):
            schema, table = m.batch
            days = staged[m.name].days
            key_type = _key_type(cur, m, schema, table)
            # Rows this run does not rebuild that refer to this model's keys: an incremental
            # model's other days. (A model rebuilt whole checks its own foreign keys.)
            keys_matter = not full_refresh and any(
                fk.model == m.name and c.incremental for c in everything for fk in c.foreign_keys
            )
            checks = derived_checks(
                m,
                parents,
                key_type=key_type,
                published=catalog.exists(cur, m.qualified),
                incremental=days is not None,
                keys_matter=keys_matter,
                overlapping_days=_overlapping_days(cur, m, schema, table, days, key_type),
            )
            checks += suites[m.suite]()
            scope = Scope(staged=frozenset(staged), days=days, incremental=days is not None)
            found.append(
                Target(m.qualified, schema, table, _render_all(domain, checks, scope, quote))
            )
        return found


def _overlapping_days(
    cur, m: Model, schema: str, table: str, days: Days | None, key_type: str | None
) -> list:
    """Published days outside ``days`` whose key range overlaps the staged keys."""
    if days is None or m.materialization != "days" or not key_type or len(m.unique_key) != 1:
        return []
    return ledger.overlapping_days(
        cur,
        m.qualified,
        days,
        rows=sql.Identifier(schema, table),
        key_column=m.unique_key[0],
        key_type=key_type,
    )


def _key_type(cur, m, schema: str, table: str) -> str | None:
    if len(m.unique_key) != 1:
        return None
    return catalog.column_type(cur, f"{schema}.{table}", m.unique_key[0])


def _render_all(domain: Domain, expectations: list, scope: Scope, quote) -> list:
    import great_expectations.expectations as gxe

    rendered = []
    for e in expectations:
        if isinstance(e, gxe.UnexpectedRowsExpectation):
            query = render_text(domain, e.unexpected_rows_query, scope, quote, where=e.description)
            e = gxe.UnexpectedRowsExpectation(
                description=e.description, unexpected_rows_query=query
            )
        rendered.append(e)
    return rendered
