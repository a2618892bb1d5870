"""The gold reports, exported as CSV: replaced whole, or not at all."""

from __future__ import annotations

import csv

import psycopg2
import pytest

from include.elt.stages.report.export import export_csv
from tests.helpers import query


def test_a_report_is_the_relation_with_its_header_replaced_whole_or_not_at_all(
    warehouse_url, tmp_path
):
    query(
        warehouse_url,
        "create table gold.report (k int, v text); insert into gold.report"
        " values (1, 'a, b'), (2, null) returning 1",
    )
    target = tmp_path / "report.csv"
    assert export_csv(warehouse_url, "gold", "report", target) == 2
    assert list(csv.reader(target.open())) == [["k", "v"], ["1", "a, b"], ["2", ""]]
    written = target.read_bytes()
    with pytest.raises(psycopg2.errors.UndefinedTable):
        export_csv(warehouse_url, "gold", "no_such_report", target)
    assert target.read_bytes() == written
