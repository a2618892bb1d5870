"""Reusable Great Expectations building blocks for domain suites.

Imported only by suite modules, which the quality stage imports inside a task: GX never loads
while Airflow parses DAG files. Every check runs as SQL in the warehouse (``{batch}`` is the
table under validation), never by pulling rows into pandas.
"""

from __future__ import annotations

import re

import great_expectations.expectations as gxe

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


def _band(share: str, tolerance: float | None) -> str:
    """A fixed band, or one that follows from the sample: 4 standard errors plus half a point."""
    if tolerance is not None:
        return str(float(tolerance))
    return f"(4 * sqrt({share} * (1 - {share}) / n) + 0.005)"


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
        description=f"{column} mix is {shares} ± {tolerance}",
        unexpected_rows_query=(
            f"with expected as ({expected}),"
            f" actual as (select {column}::text as value,"
            f" count(*)::numeric / sum(count(*)) over () as share, sum(count(*)) over () as n"
            f" from {{batch}} as batch_rows group by {column})"
            f" select expected.value, expected.share, coalesce(actual.share, 0) as actual_share"
            f" from expected left join actual on actual.value = expected.value"
            f" where abs(coalesce(actual.share, 0) - expected.share)"
            f" > {_band('expected.share', tolerance)}"
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

    GX aliases ``{batch}`` itself unless the query has a JOIN; then the query must alias it.
    """
    return gxe.UnexpectedRowsExpectation(description=description, unexpected_rows_query=query)
