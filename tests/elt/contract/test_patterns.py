"""Patterns and values a domain's SQL templates share."""

from __future__ import annotations

import re

from include.elt.contract.patterns import EMAIL_PATTERN, sql_array, sql_list


def test_values_become_sql_literals_with_quotes_doubled():
    assert sql_list(("a", "o'hara")) == "('a', 'o''hara')"
    assert sql_array(("basic", "premium")) == "array['basic', 'premium']::text[]"


def test_the_email_pattern_takes_an_address_and_refuses_what_is_not_one():
    assert re.match(EMAIL_PATTERN, "ann@example.com")
    assert not re.match(EMAIL_PATTERN, "ann@example") and not re.match(EMAIL_PATTERN, "a b@c.d")
