"""Staging a file (load_bronze) against a real PostgreSQL: every row with its lineage, in one
stream or two, and a file that is not what its manifest says stages nothing, loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from include.elt.contract.domain import domain_names, load_domain
from include.elt.core.days import Days
from include.elt.files.manifest import Manifest, ManifestError
from include.elt.stages.load.bronze import ensure_bronze
from include.elt.stages.load.staging import LoadError, staging_name
from tests.conftest import new_warehouse, roles
from tests.elt.stages.load.conftest import (
    PLANS,
    RUN,
    USAGE_LOGS,
    WINDOW,
    bronze_state,
    file_entry,
    partitions,
)
from tests.helpers import count, load, qualified, query


def test_load_writes_every_row_with_lineage(warehouse, warehouse_url, domain, manifest):
    results = load(warehouse_url, manifest, RUN)
    for entry in manifest.files:
        assert count(warehouse, qualified("streaming", "bronze", entry.dataset)) == entry.rows
    assert {r.table: r.rows for r in results} == {
        domain.relation(e.dataset): e.rows for e in manifest.files
    }
    lineage = query(
        warehouse,
        f"select distinct _run_id, _source_file, _loaded_at is not null from {USAGE_LOGS}",
    )
    assert lineage == [("run-1", str(Path(manifest.folder) / "usage_logs.csv"), True)]


def test_a_malformed_file_names_file_and_line_and_changes_nothing(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, "good")
    before = bronze_state(warehouse)
    path = Path(manifest.folder) / "usage_logs.csv"
    lines = path.read_text().splitlines()
    fields = lines[4].split(",")
    fields[-1] = "not-a-number"
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=rf"{path}:5: invalid input syntax for type numeric"):
        load(warehouse_url, manifest, RUN)
    assert bronze_state(warehouse) == before


def test_a_file_cut_at_a_line_boundary_fails_naming_it_and_changes_nothing(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, "good")
    before = bronze_state(warehouse)
    entry = file_entry(manifest, "usage_logs")
    path = manifest.path_of(entry)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-10]) + "\n")  # a well-formed file, 10 rows short
    with pytest.raises(LoadError, match=rf"{path}: loaded {entry.rows - 10} rows but the manifest"):
        load(warehouse_url, manifest, RUN)
    assert bronze_state(warehouse) == before


def test_a_row_outside_the_files_days_is_refused(warehouse, warehouse_url, domain, manifest):
    entry = file_entry(manifest, "usage_logs")
    path = manifest.path_of(entry)
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(str(WINDOW.start), "2020-01-01", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=rf"{path}:4: no partition of relation"):
        load(warehouse_url, manifest, RUN)
    assert count(warehouse, USAGE_LOGS) == 0


def test_a_file_with_the_wrong_header_is_refused(warehouse, warehouse_url, domain, manifest):
    path = Path(manifest.folder) / "plans.csv"
    path.write_text(path.read_text().replace("monthly_price", "price", 1))
    with pytest.raises(LoadError, match=rf"{path}:1: .*header"):
        load(warehouse_url, manifest, RUN)
    assert count(warehouse, PLANS) == 0


def test_a_missing_file_is_a_clear_error(warehouse, warehouse_url, domain, manifest, tmp_path):
    manifest.path_of(file_entry(manifest, "plans")).unlink()
    with pytest.raises(LoadError, match="file not found"):
        load(warehouse_url, manifest, "x")
    with pytest.raises(ManifestError, match="run the generate stage"):
        Manifest.read(tmp_path / "no-run")


def test_a_large_file_loads_in_two_streams_exactly_as_in_one(
    warehouse, warehouse_url, domain, manifest, two_streams
):
    other_url = new_warehouse()
    other = roles(other_url).loader
    ensure_bronze(other, domain)
    load(other_url, manifest, "one-stream")
    in_one_stream = bronze_state(other)
    load(warehouse_url, manifest, "two-streams")
    assert bronze_state(warehouse) == in_one_stream
    assert partitions(warehouse, "usage_logs") == [Days.day(d) for d in WINDOW]
    assert query(warehouse, "select count(*) from pg_tables where schemaname = 'bronze_stage'") == [
        (0,)
    ]


def test_an_error_in_the_second_stream_names_its_line_and_leaves_nothing(
    warehouse, warehouse_url, domain, manifest, two_streams
):
    entry = file_entry(manifest, "usage_logs")
    path = manifest.path_of(entry)
    lines = path.read_text().splitlines()
    bad = len(lines) - 3  # in the second half
    lines[bad] = lines[bad].rsplit(",", 1)[0] + ",not-a-number"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=rf"{path}:{bad + 1}: invalid input syntax"):
        load(warehouse_url, manifest, RUN, dataset="usage_logs")
    assert count(warehouse, USAGE_LOGS) == 0
    assert query(warehouse, "select count(*) from pg_tables where schemaname = 'bronze_stage'") == [
        (0,)
    ]


def test_every_bronze_table_has_a_staging_name_per_run_that_fits_postgres():
    for name in domain_names():
        domain = load_domain(name)
        for dataset in domain.datasets:
            relation = domain.relation(dataset.name)
            a, b = staging_name(relation, "run-a"), staging_name(relation, "run-b")
            assert a != b
            assert len(f"{a}_p20260101_20260131") <= 63, a
