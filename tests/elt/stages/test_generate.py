"""The generate stage: a domain's rows as declared, written whole (a domain's own generator:
tests/domains/)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pyarrow as pa
import pytest

from include.elt.contract.domain import GeneratedRows
from include.elt.core.days import Days
from include.elt.files.manifest import MANIFEST
from include.elt.stages.generate import clip, conform, generate
from tests.conftest import REPO
from tests.toy_domain import DOMAIN as TOY
from tests.toy_domain import OPENING_DAY

VISITS = TOY.dataset("visits")
DAYS = Days(date(2026, 3, 1), date(2026, 3, 3))


def test_rows_take_the_declared_columns_in_order_and_no_others():
    row = {"pages": [3], "visited_at": [date(2026, 3, 1)], "customer_id": [7], "visit_id": [1]}
    table = pa.table(row)
    assert conform(VISITS, table).column_names == VISITS.column_names
    with pytest.raises(ValueError, match=r"undeclared \['colour'\]"):
        conform(VISITS, table.append_column("colour", pa.array(["red"])))


def test_clipping_keeps_the_windows_days_of_rows_that_start_before_it():
    visited = pa.array([date(2026, 2, 27), date(2026, 3, 2)], pa.date32())
    table = pa.table({"visited_at": visited})
    rows = clip(VISITS, GeneratedRows(table, Days(date(2026, 2, 27), DAYS.end)), DAYS)
    assert rows.days == DAYS
    assert rows.table["visited_at"].to_pylist() == [date(2026, 3, 2)]


def test_a_window_before_the_domains_first_day_is_refused(tmp_path):
    with pytest.raises(ValueError, match="starts before its earliest day"):
        generate(TOY, Days.day(date(2025, 12, 31)), scale="tiny", seed=1, out_dir=tmp_path)


def test_generating_again_replaces_the_folder_whole(tmp_path):
    folder = tmp_path / "run"
    toy = replace(TOY, earliest_day=OPENING_DAY)
    generate(toy, DAYS, scale="tiny", seed=1, out_dir=folder, file_format="parquet")
    manifest = generate(toy, DAYS, scale="tiny", seed=1, out_dir=folder)
    assert {p.name for p in folder.iterdir()} == {MANIFEST, *(e.file for e in manifest.files)}
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_a_write_the_system_refuses_names_the_run_folder_and_leaves_nothing(tmp_path):
    """A full disk, as near as a test gets to one on any machine: the CLI generates under a
    file-size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ, so the write fails with EFBIG as it
    would with ENOSPC, the OS naming no file)."""
    limit = 16 * 1024

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    window = ["--start", "2026-11-01", "--end", "2026-11-03", "--run-id", "full"]
    said = subprocess.run(
        [
            sys.executable,
            "-B",
            str(REPO / "scripts/elt.py"),
            "generate",
            "--scale",
            "tiny",
            *window,
        ],
        env={**os.environ, "ELT_DATA_DIR": str(tmp_path / "data")},
        preexec_fn=small_files,
        capture_output=True,
        text=True,
    )
    assert said.returncode == 1
    run = tmp_path / "data" / "runs" / "streaming" / "full"
    assert said.stderr.strip().splitlines()[-1] == f"error: [Errno 27] File too large: '{run}'"
    assert list(run.parent.iterdir()) == []  # neither the run nor its .partial folder
