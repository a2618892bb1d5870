"""The building blocks of a domain's expectation suites."""

from __future__ import annotations

import pytest

from include.elt.contract.checks import not_null, primary_key, rate_near, sql_name, sql_value


@pytest.mark.parametrize("name", ["x; drop table t", "a.b.c", "Upper", "x'y"])
def test_names_that_are_not_plain_are_refused(name):
    with pytest.raises(ValueError, match="not a plain SQL name"):
        sql_name(name)


def test_values_that_are_not_plain_are_refused():
    assert sql_value("movie 2-b") == "movie 2-b"
    with pytest.raises(ValueError, match="not a plain literal"):
        sql_value("x' or '1'='1")


def test_columns_never_null_are_one_check_that_shows_the_missing_ones():
    (check,) = not_null("a", "b")
    assert check.description == "a, b are never null"
    assert check.unexpected_rows_query == "select a, b from {batch} where a is null or b is null"
    assert not_null() == []


def test_a_compound_key_is_checked_whole():
    _, unique = primary_key("a", "b")
    assert unique.column_list == ["a", "b"]


def test_a_rate_is_held_to_its_sampling_band():
    check = rate_near("late orders", "late", 0.05)
    assert check.description == "late orders: 5.0% of rows, within 4 standard errors"
    assert "count(*) filter (where late)" in check.unexpected_rows_query
