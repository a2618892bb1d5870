"""The bronze loader against a real PostgreSQL: idempotent, atomic, locked, loud."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from include.elt.domain import load_domain
from include.elt.generate import Manifest, generate
from include.elt.load import LoadError, load_file, load_manifest
from include.elt.warehouse import bootstrap
from include.elt.window import Window
from tests.helpers import checksum, count, query

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def domain():
    return load_domain("streaming")


@pytest.fixture
def manifest(domain, tmp_path) -> Manifest:
    return generate(domain, Window.ending(END, 3), scale="tiny", seed=5, out_dir=tmp_path / "run")


@pytest.fixture
def warehouse(warehouse_url, domain) -> str:
    bootstrap(warehouse_url, domain)
    return warehouse_url


def _bronze_state(url: str) -> dict[str, tuple[int, str]]:
    tables = ["plans", "content", "customers", "subscriptions", "usage_logs"]
    return {
        t: (count(url, "bronze", f"streaming_{t}"), checksum(url, "bronze", f"streaming_{t}"))
        for t in tables
    }


def test_load_writes_every_row_with_lineage(warehouse, domain, manifest):
    results = load_manifest(warehouse, domain, manifest, run_id="run-1")
    for entry in manifest.files:
        assert count(warehouse, "bronze", f"streaming_{entry.dataset}") == entry.rows
    assert {r.table: r.rows for r in results} == {
        f"streaming_{e.dataset}": e.rows for e in manifest.files
    }
    lineage = query(
        warehouse,
        "select distinct _run_id, _source_file, _loaded_at is not null"
        " from bronze.streaming_usage_logs",
    )
    assert lineage == [("run-1", str(Path(manifest.folder) / "usage_logs.csv"), True)]


def test_reloading_the_same_days_leaves_bronze_identical(warehouse, domain, manifest):
    load_manifest(warehouse, domain, manifest, run_id="run-1")
    before = _bronze_state(warehouse)
    results = load_manifest(warehouse, domain, manifest, run_id="run-2")
    assert _bronze_state(warehouse) == before
    assert all(r.replaced_rows == r.rows for r in results)


def test_loading_a_day_replaces_only_that_day(warehouse, domain, manifest, tmp_path):
    load_manifest(warehouse, domain, manifest, run_id="window")
    last_day = generate(domain, Window(END, END), scale="tiny", seed=99, out_dir=tmp_path / "day")
    entry = next(f for f in last_day.files if f.dataset == "usage_logs")
    load_file(
        warehouse,
        domain,
        domain.dataset("usage_logs"),
        last_day.path_of(entry),
        (END, END),
        "day-run",
    )
    by_run = dict(
        query(warehouse, "select _run_id, count(*) from bronze.streaming_usage_logs group by 1")
    )
    assert by_run["day-run"] == entry.rows
    days_kept = query(
        warehouse,
        "select count(distinct session_start::date) from bronze.streaming_usage_logs"
        " where _run_id = 'window'",
    )[0][0]
    assert days_kept == 2


def test_a_malformed_file_names_file_and_line_and_changes_nothing(warehouse, domain, manifest):
    load_manifest(warehouse, domain, manifest, run_id="good")
    before = _bronze_state(warehouse)
    path = Path(manifest.folder) / "usage_logs.csv"
    lines = path.read_text().splitlines()
    fields = lines[4].split(",")
    fields[-1] = "not-a-number"
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=rf"{path}:5: invalid input syntax for type numeric"):
        load_manifest(warehouse, domain, manifest, run_id="bad")
    assert _bronze_state(warehouse) == before


def test_a_file_with_the_wrong_header_is_refused(warehouse, domain, manifest):
    path = Path(manifest.folder) / "plans.csv"
    text = path.read_text().replace("monthly_price", "price", 1)
    path.write_text(text)
    with pytest.raises(LoadError, match=rf"{path}:1: .*header"):
        load_file(warehouse, domain, domain.dataset("plans"), path, None, "bad-header")
    assert count(warehouse, "bronze", "streaming_plans") == 0


def test_a_missing_file_is_a_clear_error(warehouse, domain, tmp_path):
    with pytest.raises(LoadError, match="file not found"):
        load_file(warehouse, domain, domain.dataset("plans"), tmp_path / "nope.csv", None, "x")
    with pytest.raises(FileNotFoundError, match="run the generate stage"):
        Manifest.read(tmp_path / "no-run")


def test_concurrent_loads_of_the_same_day_never_both_apply(warehouse, domain, manifest):
    entry = next(f for f in manifest.files if f.dataset == "usage_logs")
    errors = []

    def load(run_id: str) -> None:
        try:
            load_file(
                warehouse,
                domain,
                domain.dataset("usage_logs"),
                manifest.path_of(entry),
                (date.fromisoformat(entry.first_day), date.fromisoformat(entry.last_day)),
                run_id,
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(f"concurrent-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert count(warehouse, "bronze", "streaming_usage_logs") == entry.rows
    assert len(query(warehouse, "select distinct _run_id from bronze.streaming_usage_logs")) == 1


def test_another_scale_or_seed_replaces_the_whole_world_atomically(warehouse, domain, tmp_path):
    first = generate(domain, Window.ending(END, 3), scale="tiny", seed=5, out_dir=tmp_path / "a")
    load_manifest(warehouse, domain, first, run_id="world-a")
    # Another seed, fewer days: nothing of world A may survive, even days B does not cover.
    other = generate(domain, Window(END, END), scale="tiny", seed=6, out_dir=tmp_path / "b")
    load_manifest(warehouse, domain, other, run_id="world-b")
    assert query(warehouse, "select distinct _run_id from bronze.streaming_usage_logs") == [
        ("world-b",)
    ]
    assert query(warehouse, "select scale, seed from audit.domain_profiles") == [("tiny", 6)]
    before = _bronze_state(warehouse)
    # A failing switch back leaves world B whole.
    broken = first.path_of(next(f for f in first.files if f.dataset == "customers"))
    broken.write_text(broken.read_text().replace(",", ";", 3))
    with pytest.raises(LoadError, match=r"customers\.csv:"):
        load_manifest(warehouse, domain, first, run_id="world-a-again")
    assert _bronze_state(warehouse) == before
    assert query(warehouse, "select seed from audit.domain_profiles") == [(6,)]
