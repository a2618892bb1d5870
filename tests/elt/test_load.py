"""The bronze loader against a real PostgreSQL: partitioned, idempotent, atomic, locked, loud."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import pytest

from include.domains.streaming import LAUNCH_DAY
from include.elt.contract.domain import domain_names, load_domain
from include.elt.core.days import Days
from include.elt.core.errors import PlanError
from include.elt.core.runs import RunPlan, World
from include.elt.files.manifest import Manifest, ManifestError
from include.elt.files.storage import run_folder
from include.elt.stages.generate import generate
from include.elt.stages.load import staging
from include.elt.stages.load.bronze import ensure_bronze
from include.elt.stages.load.staging import LoadError, staging_name
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.locks import LockTimeout
from include.elt.warehouse.partitions import partitions_of
from tests.conftest import new_warehouse, roles
from tests.helpers import checksum, concurrently, count, load, qualified, query

END = date(2026, 6, 30)
WINDOW = Days.ending(END, 3)
USAGE_LOGS = qualified("streaming", "bronze", "usage_logs")
PLANS = qualified("streaming", "bronze", "plans")
RUN = "run-1"  # the run whose folder the manifest fixture writes: its loads read the files there


@pytest.fixture(scope="module")
def domain():
    return load_domain("streaming")


@pytest.fixture
def manifest(domain, tmp_path) -> Manifest:
    return generate(domain, WINDOW, scale="tiny", seed=5, out_dir=_folder(tmp_path, RUN))


@pytest.fixture
def warehouse(warehouse_url, domain) -> str:
    """The warehouse as the load stage reaches it: the loader's login."""
    loader = roles(warehouse_url).loader
    ensure_bronze(loader, domain)
    return loader


def _folder(base, run_id: str):
    """Where run ``run_id`` of streaming keeps its files under ``base``."""
    return run_folder(base, "streaming", run_id)


def _bronze_state(url: str) -> dict[str, tuple[int, str]]:
    tables = ["plans", "content", "customers", "subscriptions", "usage_logs"]
    return {
        t: (
            count(url, qualified("streaming", "bronze", t)),
            checksum(url, qualified("streaming", "bronze", t)),
        )
        for t in tables
    }


def _entry(manifest: Manifest, dataset: str):
    return next(f for f in manifest.files if f.dataset == dataset)


def _partitions(url: str, dataset: str) -> list[Days]:
    relation = load_domain("streaming").relation(dataset)
    with transaction(url) as conn, conn.cursor() as cur:
        return [p.days for p in partitions_of(cur, "bronze", relation)]


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


def test_bronze_holds_a_partition_per_day_and_one_for_the_history_before(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, RUN)
    days = [Days.day(d) for d in WINDOW]
    assert _partitions(warehouse, "usage_logs") == days
    # customers since launch: the days before the window in one partition, then one a day
    assert _partitions(warehouse, "customers") == [Days.until(LAUNCH_DAY, WINDOW.start), *days]


def test_reloading_the_same_days_leaves_bronze_identical(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, RUN)
    before = _bronze_state(warehouse)
    results = load(warehouse_url, manifest, "run-2")
    assert _bronze_state(warehouse) == before
    assert all(r.replaced_rows == r.rows for r in results)


def test_loading_a_day_replaces_only_that_day(warehouse, warehouse_url, domain, manifest, tmp_path):
    load(warehouse_url, manifest, "window")
    last_day = generate(
        domain, Days(END, END), scale="tiny", seed=5, out_dir=_folder(tmp_path, "day")
    )
    load(warehouse_url, last_day, "day-run")
    by_run = dict(query(warehouse, f"select _run_id, count(*) from {USAGE_LOGS} group by 1"))
    assert by_run["day-run"] == _entry(last_day, "usage_logs").rows
    days_kept = query(
        warehouse,
        f"select count(distinct session_start::date) from {USAGE_LOGS} where _run_id = 'window'",
    )[0][0]
    assert days_kept == 2


def test_a_day_inside_the_earlier_history_splits_its_partition(
    warehouse, warehouse_url, domain, manifest, tmp_path
):
    load(warehouse_url, manifest, "window")
    before = _bronze_state(warehouse)
    inside = WINDOW.start - timedelta(days=100)
    backfill = generate(
        domain, Days(inside, inside), scale="tiny", seed=5, out_dir=_folder(tmp_path, "b")
    )
    load(warehouse_url, backfill, "backfill")
    after = _partitions(warehouse, "customers")
    assert after[:3] == [
        Days.until(LAUNCH_DAY, inside),
        Days.day(inside),
        Days.until(inside + timedelta(days=1), WINDOW.start),
    ]
    # the same world: the days the backfill did not cover kept their rows, the rest reloaded
    after_state = _bronze_state(warehouse)
    for table in ("customers", "subscriptions"):
        assert after_state[table] == before[table]


def test_a_malformed_file_names_file_and_line_and_changes_nothing(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, "good")
    before = _bronze_state(warehouse)
    path = Path(manifest.folder) / "usage_logs.csv"
    lines = path.read_text().splitlines()
    fields = lines[4].split(",")
    fields[-1] = "not-a-number"
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=rf"{path}:5: invalid input syntax for type numeric"):
        load(warehouse_url, manifest, RUN)
    assert _bronze_state(warehouse) == before


def test_a_file_cut_at_a_line_boundary_fails_naming_it_and_changes_nothing(
    warehouse, warehouse_url, domain, manifest
):
    load(warehouse_url, manifest, "good")
    before = _bronze_state(warehouse)
    entry = _entry(manifest, "usage_logs")
    path = manifest.path_of(entry)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-10]) + "\n")  # a well-formed file, 10 rows short
    with pytest.raises(LoadError, match=rf"{path}: loaded {entry.rows - 10} rows but the manifest"):
        load(warehouse_url, manifest, RUN)
    assert _bronze_state(warehouse) == before


def test_a_row_outside_the_files_days_is_refused(warehouse, warehouse_url, domain, manifest):
    entry = _entry(manifest, "usage_logs")
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
    manifest.path_of(_entry(manifest, "plans")).unlink()
    with pytest.raises(LoadError, match="file not found"):
        load(warehouse_url, manifest, "x")
    with pytest.raises(ManifestError, match="run the generate stage"):
        Manifest.read(tmp_path / "no-run")


def test_concurrent_loads_of_the_same_day_never_both_apply(
    warehouse, warehouse_url, domain, manifest
):
    entry = _entry(manifest, "usage_logs")
    errors = concurrently(
        lambda run_id: load(warehouse_url, manifest, run_id),
        [f"concurrent-{i}" for i in range(4)],
    )
    assert not errors
    assert count(warehouse, USAGE_LOGS) == entry.rows
    assert len(query(warehouse, f"select distinct _run_id from {USAGE_LOGS}")) == 1


def test_a_lock_held_elsewhere_fails_the_load_within_its_timeout_naming_it(
    warehouse, warehouse_url, domain, manifest, monkeypatch
):
    monkeypatch.setenv("ELT_LOCK_TIMEOUT", "1s")
    holder = psycopg2.connect(warehouse)
    try:
        with holder.cursor() as cur:
            cur.execute("select pg_advisory_lock(hashtext(%s))", [USAGE_LOGS])
        started = time.monotonic()
        with pytest.raises(LockTimeout, match=f"1s waiting for lock '{re.escape(USAGE_LOGS)}'"):
            load(warehouse_url, manifest, "blocked")
        assert time.monotonic() - started < 10
    finally:
        holder.close()
    assert count(warehouse, USAGE_LOGS) == 0


def test_another_world_is_refused_unless_it_replaces_the_history(
    warehouse, warehouse_url, domain, tmp_path
):
    first = generate(domain, WINDOW, scale="tiny", seed=5, out_dir=_folder(tmp_path, "a"))
    load(warehouse_url, first, "world-a")
    before = _bronze_state(warehouse)
    other = generate(domain, Days(END, END), scale="tiny", seed=6, out_dir=_folder(tmp_path, "b"))
    with pytest.raises(PlanError, match="holds the world scale=tiny seed=5"):
        load(warehouse_url, other, "world-b")
    assert _bronze_state(warehouse) == before

    replacing = RunPlan(
        "manual", Days(END, END), World.of("tiny", 6), opens_history=True, replace_history=True
    )
    other = generate(
        domain, Days(END, END), scale="tiny", seed=6, out_dir=_folder(tmp_path, "c"), plan=replacing
    )
    load(warehouse_url, other, "world-b")
    # nothing of world A survives, even days B does not cover
    assert query(warehouse, f"select distinct _run_id from {USAGE_LOGS}") == [("world-b",)]
    assert query(warehouse, "select scale, seed, first_day from audit.domain_profiles") == [
        ("tiny", 6, END)
    ]


def test_a_failing_replacement_leaves_the_old_world_whole(
    warehouse, warehouse_url, domain, tmp_path
):
    first = generate(domain, WINDOW, scale="tiny", seed=5, out_dir=_folder(tmp_path, "a"))
    load(warehouse_url, first, "world-a")
    before = _bronze_state(warehouse)
    replacing = RunPlan(
        "manual", WINDOW, World.of("tiny", 6), opens_history=True, replace_history=True
    )
    other = generate(
        domain, WINDOW, scale="tiny", seed=6, out_dir=_folder(tmp_path, "b"), plan=replacing
    )
    broken = other.path_of(_entry(other, "customers"))
    broken.write_text(broken.read_text().replace(",", ";", 3))
    with pytest.raises(LoadError, match=r"customers\.csv:"):
        load(warehouse_url, other, "world-b")
    assert _bronze_state(warehouse) == before
    assert query(warehouse, "select seed from audit.domain_profiles") == [(5,)]


@pytest.fixture
def two_streams(monkeypatch):
    """Every partitioned file counts as large: loaded by two sessions at once."""
    monkeypatch.setattr(staging, "SPLIT_BYTES", 1_000)


def test_a_large_file_loads_in_two_streams_exactly_as_in_one(
    warehouse, warehouse_url, domain, manifest, two_streams
):
    other_url = new_warehouse()
    other = roles(other_url).loader
    ensure_bronze(other, domain)
    load(other_url, manifest, "one-stream")
    in_one_stream = _bronze_state(other)
    load(warehouse_url, manifest, "two-streams")
    assert _bronze_state(warehouse) == in_one_stream
    assert _partitions(warehouse, "usage_logs") == [Days.day(d) for d in WINDOW]
    assert query(warehouse, "select count(*) from pg_tables where schemaname = 'bronze_stage'") == [
        (0,)
    ]


def test_an_error_in_the_second_stream_names_its_line_and_leaves_nothing(
    warehouse, warehouse_url, domain, manifest, two_streams
):
    entry = _entry(manifest, "usage_logs")
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


def test_months_past_the_horizon_are_merged_and_a_day_in_them_can_still_be_replaced(
    warehouse, warehouse_url, domain, tmp_path
):
    long = Days(date(2026, 1, 1), date(2026, 6, 30))
    manifest = generate(domain, long, scale="tiny", seed=5, out_dir=_folder(tmp_path, "long"))
    load(warehouse_url, manifest, "long")
    horizon = long.end + timedelta(days=1) - timedelta(days=62)
    ranges = _partitions(warehouse, "usage_logs")
    merged = [r for r in ranges if len(r) > 1]
    assert merged == [
        Days.until(date(2026, month, 1), date(2026, month + 1, 1)) for month in (1, 2, 3)
    ]  # April ends after the horizon: it keeps a partition per day
    assert all(len(r) == 1 for r in ranges if r.start >= horizon)
    before = _bronze_state(warehouse)

    day = date(2026, 2, 10)  # a rerun of one day inside a merged month
    rerun = generate(
        domain, Days(day, day), scale="tiny", seed=5, out_dir=_folder(tmp_path, "rerun")
    )
    load(warehouse_url, rerun, "rerun")
    assert _bronze_state(warehouse)["usage_logs"] == before["usage_logs"]
    assert query(
        warehouse,
        f"select count(*) from {USAGE_LOGS} where _run_id = 'rerun' and session_start::date = %s",
        [day],
    ) == [(_entry(rerun, "usage_logs").rows,)]
    # the day replaced its part of the month, and the month is one partition again
    assert Days.until(date(2026, 2, 1), date(2026, 3, 1)) in _partitions(warehouse, "usage_logs")


def test_a_bronze_table_of_another_version_is_refused_naming_its_columns(warehouse, domain):
    """An upgrade that declares a new column meets the old table: a clear error, not a COPY
    failing on the column count."""
    from dataclasses import replace

    from include.elt.contract.datasets import Column
    from include.elt.stages.load.bronze import _READY

    plans = domain.dataset("plans")
    newer = replace(plans, columns=(*plans.columns, Column("perks", "jsonb")))
    changed = replace(domain, datasets=(newer,))
    _READY.discard((warehouse, domain.name))
    with pytest.raises(RuntimeError, match=r"streaming_plans .*missing \['perks'\]"):
        ensure_bronze(warehouse, changed)


def test_every_bronze_table_has_a_staging_name_per_run_that_fits_postgres():
    for name in domain_names():
        domain = load_domain(name)
        for dataset in domain.datasets:
            relation = domain.relation(dataset.name)
            a, b = staging_name(relation, "run-a"), staging_name(relation, "run-b")
            assert a != b
            assert len(f"{a}_p20260101_20260131") <= 63, a
