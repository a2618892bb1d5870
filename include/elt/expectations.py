"""Reusable Great Expectations building blocks for domain suites, and the checks every model's
declaration implies.

Imported only by suite modules and the quality stage, inside a task: GX never loads while
Airflow parses DAG files. Every check runs as SQL in the warehouse (``{batch}`` is the relation
under validation), never by pulling rows into pandas. SQL may use the model templates' names
(``{{ ref('orders') }}``, ``{{ source('orders') }}``, ``{{ published('orders') }}``).
"""

from __future__ import annotations

import re

import great_expectations.expectations as gxe

from include.elt.models import ForeignKey, Model
from include.elt.schema import LINEAGE_COLUMNS, Dataset

# GX takes these rules as SQL text, so names and values are checked against a strict pattern
# instead of being escaped: anything else is refused.
_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
_VALUE = re.compile(r"^[A-Za-z0-9_ .-]*$")


def _name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name


def _value(value: str) -> str:
    if not _VALUE.match(value):
        raise ValueError(f"not a plain literal: {value!r}")
    return value


def bronze_shape(dataset: Dataset) -> list:
    """Bronze keeps the declared columns, in order, plus lineage; required columns are set."""
    return [
        gxe.ExpectTableColumnsToMatchOrderedList(
            column_list=[*dataset.column_names, *LINEAGE_COLUMNS]
        ),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c) for c in dataset.required_columns),
    ]


def primary_key(*columns: str) -> list:
    checks = [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]
    if len(columns) == 1:
        checks.append(gxe.ExpectColumnValuesToBeUnique(column=columns[0]))
    else:
        checks.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns)))
    return checks


def not_null(*columns: str) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def foreign_key(column: str, parent: str, parent_column: str | None = None) -> gxe.Expectation:
    """Every non-null ``column`` value exists in ``parent`` (schema-qualified)."""
    column, parent = _name(column), _name(parent)
    parent_column = _name(parent_column or column)
    return gxe.UnexpectedRowsExpectation(
        description=f"{column} references {parent}.{parent_column}",
        unexpected_rows_query=(
            f"select {column} from {{batch}} where {column} is not null"
            f" except select {parent_column} from {parent}"
        ),
    )


def sample_band(share: str) -> str:
    """The band a share of ``n`` rows may stray from ``share`` (SQL expressions): four standard
    errors plus half a point, so small samples are held loosely and large ones tightly."""
    return f"(4 * sqrt({share} * (1 - {share}) / n) + 0.005)"


def _band(share: str, tolerance: float | None) -> str:
    """A fixed band, or one that follows from the sample."""
    return str(float(tolerance)) if tolerance is not None else sample_band(share)


def share_between(
    column: str, shares: dict[str, float], tolerance: float | None = None
) -> gxe.Expectation:
    """Each value's share of rows is its designed share ± ``tolerance`` (default: by sample)."""
    column = _name(column)
    expected = " union all ".join(
        f"select '{_value(value)}'::text as value, {float(share)}::numeric as share"
        for value, share in shares.items()
    )
    return gxe.UnexpectedRowsExpectation(
        description=f"{column} mix is {shares} ± {tolerance or 'the sampling band'}",
        unexpected_rows_query=(
            f"with expected as ({expected}),"
            f" total as (select count(*) as n from {{batch}} as all_rows),"
            f" actual as (select {column}::text as value, count(*) as hits"
            f" from {{batch}} as batch_rows group by {column})"
            f" select expected.value, expected.share,"
            f" coalesce(actual.hits, 0)::numeric / total.n as actual_share"
            f" from expected cross join total left join actual on actual.value = expected.value"
            f" where total.n > 0 and abs(coalesce(actual.hits, 0)::numeric / total.n"
            f" - expected.share) > {_band('expected.share', tolerance)}"
        ),
    )


def rate_near(description: str, condition: str, rate: float) -> gxe.Expectation:
    """The share of rows meeting ``condition`` (SQL) is ``rate``, within the sample's band."""
    return gxe.UnexpectedRowsExpectation(
        description=f"{description}: {rate:.1%} of rows, within 4 standard errors",
        unexpected_rows_query=(
            f"select n, hits, hits::numeric / n as observed from ("
            f"select count(*) as n, count(*) filter (where {condition}) as hits from {{batch}}"
            f") as counted where n > 0"
            f" and abs(hits::numeric / n - {float(rate)}) > {_band(str(float(rate)), None)}"
        ),
    )


def rows_violating(description: str, query: str) -> gxe.Expectation:
    """A rule written as SQL that returns the rows breaking it.

    GX aliases ``{batch}`` itself unless the query has a JOIN; then the query must alias every
    ``{batch}`` it reads.
    """
    return gxe.UnexpectedRowsExpectation(description=description, unexpected_rows_query=query)


# --- checks derived from a model's declaration ----------------------------------------------


def derived_checks(
    m: Model,
    children: list[tuple[Model, ForeignKey]],
    parents: dict[str, Model],
    *,
    key_type: str | None,
    published: bool,
    incremental: bool,
) -> list:
    """Key, uniqueness beyond the changed days, foreign keys and keys still referenced.

    ``children`` are the models with a foreign key to ``m``; ``key_type`` the SQL type of a
    single-column key; ``published`` whether ``m`` is published yet; ``incremental`` whether
    this run staged only part of it.
    """
    checks = primary_key(*m.unique_key) if m.unique_key else []
    if published and incremental and m.kind == "days" and key_type:
        checks.append(_unique_beyond_window(m, key_type))
    checks += [_references(m, fk, parents[fk.model]) for fk in m.foreign_keys]
    if published and m.kind in ("table", "days") and len(m.unique_key) == 1:
        checks += [_still_referenced(m, child, fk, incremental) for child, fk in children]
    return checks


def _window_of(m: Model, bound: str) -> str:
    return (
        f"(select {bound} from audit.staged_models"
        f" where domain = '{_value(m.domain)}' and model = '{_value(m.name)}')"
    )


def _unique_beyond_window(m: Model, key_type: str) -> gxe.Expectation:
    """No key of the changed days is on another day: proved by the key ranges recorded when
    each day was published, and checked row by row only against days whose range overlaps."""
    key, day, kind = _name(m.unique_key[0]), _name(m.partition_by), _type(key_type)
    return rows_violating(
        f"{key} is unique across all days, not only the changed ones",
        f"with changed as (select min({key}) as lo, max({key}) as hi from {{batch}} as b0),"
        f" overlapping as (select p.day from audit.partitions as p, changed"
        f" where p.relation = '{_value(m.qualified)}'"
        f" and not (p.day >= {_window_of(m, 'window_start')}"
        f" and p.day < {_window_of(m, 'window_end')})"
        f" and p.key_min::{kind} <= changed.hi and p.key_max::{kind} >= changed.lo)"
        f" select b.{key} from {{batch}} as b"
        f" join {{{{ published('{m.name}') }}}} as p on p.{key} = b.{key}"
        f" where exists (select from overlapping)"
        f" and p.{day}::date in (select overlapping.day from overlapping)",
    )


def _references(m: Model, fk: ForeignKey, parent: Model) -> gxe.Expectation:
    column, target = _name(fk.column), _name(fk.parent_column)
    recent = ""
    if fk.within_days is not None and parent.kind == "days":
        recent = (
            f" and p.{_name(parent.partition_by)} >= coalesce({_window_of(m, 'window_start')},"
            f" '-infinity'::date) - {int(fk.within_days)}"
        )
    return rows_violating(
        f"{column} references {parent.qualified}.{target}",
        f"select c.{column} from {{batch}} as c"
        f" left join {{{{ ref('{parent.name}') }}}} as p on p.{target} = c.{column}{recent}"
        f" where c.{column} is not null and p.{target} is null",
    )


def _still_referenced(m: Model, child: Model, fk: ForeignKey, incremental: bool) -> gxe.Expectation:
    """Keys this run removes from ``m`` that ``child`` still references (none, normally: then
    the check reads only the removed keys)."""
    key, column = _name(m.unique_key[0]), _name(fk.column)
    changed_days = ""
    if incremental:
        day = _name(m.partition_by)
        changed_days = (
            f" where {day} >= {_window_of(m, 'window_start')}"
            f" and {day} < {_window_of(m, 'window_end')}"
        )
    return rows_violating(
        f"keys removed from {m.qualified} are not referenced by {child.qualified}.{column}",
        f"with removed as (select {key} from {{{{ published('{m.name}') }}}}{changed_days}"
        f" except select {key} from {{batch}})"
        f" select r.{key} from removed as r where exists"
        f" (select from {{{{ ref('{child.name}') }}}} as c where c.{column} = r.{key})",
    )


_TYPE = re.compile(r"^[a-z ]+(\(\d+(,\d+)?\))?$")


def _type(pg_type: str) -> str:
    if not _TYPE.match(pg_type):
        raise ValueError(f"not a plain SQL type: {pg_type!r}")
    return pg_type
