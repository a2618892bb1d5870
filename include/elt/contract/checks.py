"""Reusable Great Expectations building blocks for domain suites (and for the checks the
validate stage derives from each model's declaration).

Imported only by suite modules and the validate stage, inside a task: GX never loads while
Airflow parses DAG files. Every check runs as SQL in the warehouse (``{batch}`` is the relation
under validation), never by pulling rows into pandas. SQL may use the model templates' names
(``{{ ref('orders') }}``, ``{{ source('orders') }}``, ``{{ published('orders') }}``).
"""

from __future__ import annotations

import re

import great_expectations.expectations as gxe

from include.elt.contract.datasets import LINEAGE_COLUMNS, Dataset

# GX takes these rules as SQL text, so names and values are checked against a strict pattern
# instead of being escaped: anything else is refused.
_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
_VALUE = re.compile(r"^[A-Za-z0-9_ .-]*$")


def sql_name(name: str) -> str:
    """``name``, refused unless it is a plain (optionally schema-qualified) SQL name."""
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name


def sql_value(value: str) -> str:
    """``value``, refused unless it is a plain literal (letters, digits, spaces, ``_.-``)."""
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
    key = [sql_name(c) for c in dataset.key]
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
                f"{sql_name(column)} not in"
                f" (select {sql_name(column)} from {{{{ source('{sql_name(parent)}') }}}})",
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
    names = [sql_name(c) for c in columns]
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
    column = sql_name(column)
    expected = " union all ".join(
        f"select '{sql_value(value)}'::text as value, {float(share)}::numeric as share"
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
    the load of the run whose rows they are, ``_run_id``: runs side by side each have their
    own days and design) within ``tolerance``, or within 4 Poisson standard errors (plus 4 rows
    for a small count's skew) where the count is too small for the tolerance to be fair: a
    day of orders is ~100 rows. For counts of independent rows, not of clustered ones. A batch
    of no rows, or of several runs' rows, is held to the latest load's design."""
    return gxe.UnexpectedRowsExpectation(
        description=(
            f"row count within {tolerance:.0%} of the design's, or 4 standard errors if wider"
        ),
        unexpected_rows_query=(
            "select n, expected from (select count(*) as n,"
            " case when count(distinct _run_id) = 1 then min(_run_id) end as loaded_by"
            " from {batch}) as counted,"
            " lateral (select expected_rows as expected from audit.loads"
            f" where domain = '{sql_name(domain)}' and dataset = '{sql_name(dataset)}'"
            " and (run_id = counted.loaded_by or counted.loaded_by is null)"
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
