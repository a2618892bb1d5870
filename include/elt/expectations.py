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
        *not_null(*dataset.required_columns),
    ]


def bronze_keys(
    dataset: Dataset,
    duplicate_rate: float = 0.0,
    orphan_rates: dict[str, float] | None = None,
) -> list:
    """The checks a dataset's declared key and foreign keys imply in bronze: the key is set and
    unique among the days loaded, or duplicated at its designed fault rate; a foreign key with
    a designed orphan rate has orphans at that rate. Foreign keys without faults are proved
    strictly in silver, against the next state of their parents."""
    key = [_name(c) for c in dataset.key]
    if not duplicate_rate:
        checks = primary_key(*key)
    else:
        rate = float(duplicate_rate)
        copies = f"count(*) - count(distinct ({', '.join(key)}))"
        checks = not_null(*key)
        checks.append(
            rows_violating(
                f"duplicate {', '.join(key)} rate is {rate:.0%} within 4 standard errors",
                f"select n, copies from (select count(*) as n, {copies} as copies from {{batch}})"
                f" as counted where n > 0 and abs(copies::numeric / n - {rate})"
                f" > {_band(str(rate), None)}",
            )
        )
    for column, rate in (orphan_rates or {}).items():
        parent = dataset.foreign_keys[column]
        checks.append(
            rate_near(
                f"{column} is not in {parent}",
                f"{_name(column)} not in"
                f" (select {_name(column)} from {{{{ source('{_name(parent)}') }}}})",
                rate,
            )
        )
    return checks


def primary_key(*columns: str) -> list:
    checks = not_null(*columns)
    if len(columns) == 1:
        checks.append(gxe.ExpectColumnValuesToBeUnique(column=columns[0]))
    else:
        checks.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns)))
    return checks


def not_null(*columns: str) -> list:
    """Every row has these columns set: one check for them all (each expectation costs GX a
    fixed overhead per run, whatever the rows), its failing rows show which is missing."""
    if not columns:
        return []
    names = [_name(c) for c in columns]
    return [
        gxe.UnexpectedRowsExpectation(
            description=f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} never null",
            unexpected_rows_query=(
                f"select {', '.join(names)} from {{batch}}"
                f" where {' or '.join(f'{c} is null' for c in names)}"
            ),
        )
    ]


def sample_band(share: str) -> str:
    """The band a share of ``n`` rows may stray from ``share`` (SQL expressions): four standard
    errors plus half a point, so small samples are held loosely and large ones tightly, plus one
    row (a day of five rows with one 1% fault in it is chance, not a broken generator)."""
    return f"(4 * sqrt({share} * (1 - {share}) / n) + 0.005 + 1.0 / n)"


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


def row_count_near(domain: str, dataset: str, tolerance: float) -> gxe.Expectation:
    """The days loaded hold the design's row count (``audit.loads.expected_rows``, recorded by
    this run's load) within ``tolerance``, or within 4 Poisson standard errors (plus 4 rows
    for a small count's skew) where the count is too small for the tolerance to be fair: a
    day of orders is ~100 rows. For counts of independent rows, not of clustered ones."""
    return gxe.UnexpectedRowsExpectation(
        description=(
            f"row count within {tolerance:.0%} of the design's, or 4 standard errors if wider"
        ),
        unexpected_rows_query=(
            "select n, expected from (select count(*) as n from {batch}) as counted,"
            " (select expected_rows as expected from audit.loads"
            f" where domain = '{_name(domain)}' and dataset = '{_name(dataset)}'"
            " order by loaded_at desc limit 1) as designed"
            " where expected is not null"
            f" and abs(n - expected)"
            f" > greatest({float(tolerance)} * expected, 4 * sqrt(expected) + 4)"
        ),
    )


def rows_violating(description: str, query: str) -> gxe.Expectation:
    """A rule written as SQL that returns the rows breaking it.

    GX aliases ``{batch}`` itself unless the query has a JOIN; then the query must alias every
    ``{batch}`` it reads.
    """
    return gxe.UnexpectedRowsExpectation(description=description, unexpected_rows_query=query)


# --- checks derived from a model's declaration ----------------------------------------------
# The SQL names the model's window as {{ window_start }}/{{ window_end }} (literals when
# rendered), so PostgreSQL prunes day partitions when it plans the query: a check that named a
# relation of the whole history would cost a scan set-up per day even where it reads nothing.


def derived_checks(
    m: Model,
    parents: dict[str, Model],
    *,
    key_type: str | None,
    published: bool,
    incremental: bool,
    keys_matter: bool,
    overlapping_days: list | None = None,
) -> list:
    """Key, uniqueness beyond the changed days, foreign keys, and no published key lost.

    ``key_type``: the SQL type of a single-column key. ``published``: whether ``m`` is published
    yet. ``incremental``: whether this run staged only part of it. ``keys_matter``: whether
    rows this run does not rebuild refer to its keys. ``overlapping_days``: published days
    outside the window whose key range overlaps the staged keys (``audit.partitions``).
    """
    checks = primary_key(*m.unique_key) if m.unique_key else []
    if published and incremental and m.kind == "days" and key_type:
        checks.append(_unique_beyond_window(m, key_type, overlapping_days or []))
    checks += [_references(fk, parents[fk.model]) for fk in m.foreign_keys]
    if published and keys_matter and m.kind in ("table", "days") and len(m.unique_key) == 1:
        checks.append(_keys_kept(m, incremental))
    return checks


def _unique_beyond_window(m: Model, key_type: str, overlapping_days: list) -> gxe.Expectation:
    """No key of the changed days is on another day. Proved by the key ranges recorded when each
    day was published; only days whose range overlaps are read, row by row."""
    key, day, kind = _name(m.unique_key[0]), _name(m.partition_by), _type(key_type)
    description = f"{key} is unique across all days, not only the changed ones"
    if not overlapping_days:
        return rows_violating(
            description,
            f"select p.day, p.key_min, p.key_max from audit.partitions as p"
            f" where p.relation = '{_value(m.qualified)}'"
            f" and not (p.day >= {{{{ window_start }}}} and p.day < {{{{ window_end }}}})"
            f" and p.key_min::{kind} <= (select max({key}) from {{batch}})"
            f" and p.key_max::{kind} >= (select min({key}) from {{batch}})",
        )
    days = ", ".join(f"'{d.isoformat()}'" for d in overlapping_days)
    return rows_violating(
        description,
        f"select b.{key} from {{batch}} as b"
        f" join {{{{ published('{m.name}') }}}} as p on p.{key} = b.{key}"
        f" where p.{day}::date in ({days})",
    )


def _references(fk: ForeignKey, parent: Model) -> gxe.Expectation:
    column, target = _name(fk.column), _name(fk.parent_column)
    recent = ""
    if fk.within_days is not None and parent.kind == "days":
        recent = (
            f" and p.{_name(parent.partition_by)} >= {{{{ window_start }}}} - {int(fk.within_days)}"
        )
    return rows_violating(
        f"{column} references {parent.qualified}.{target}",
        f"select c.{column} from {{batch}} as c"
        f" left join {{{{ ref('{parent.name}') }}}} as p on p.{target} = c.{column}{recent}"
        f" where c.{column} is not null and p.{target} is null",
    )


def _keys_kept(m: Model, incremental: bool) -> gxe.Expectation:
    """Every key published before is still there: rows this run does not rebuild refer to them.
    (A run that rebuilds everything, after a new world, does not check it.)"""
    key = _name(m.unique_key[0])
    changed_days = ""
    if incremental:
        day = _name(m.partition_by)
        changed_days = f" where {day} >= {{{{ window_start }}}} and {day} < {{{{ window_end }}}}"
    return rows_violating(
        f"no key published in {m.qualified} is lost (rows of other days refer to them)",
        f"select {key} from {{{{ published('{m.name}') }}}}{changed_days}"
        f" except select {key} from {{batch}}",
    )


_TYPE = re.compile(r"^[a-z ]+(\(\d+(,\d+)?\))?$")


def _type(pg_type: str) -> str:
    if not _TYPE.match(pg_type):
        raise ValueError(f"not a plain SQL type: {pg_type!r}")
    return pg_type
