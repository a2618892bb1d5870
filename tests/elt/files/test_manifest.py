"""A run folder's manifest: written by generate, read by the load."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from include.elt.core.days import Days
from include.elt.core.runs import RunPlan, World
from include.elt.files.manifest import MANIFEST, FileEntry, Manifest, ManifestError

PLAN = RunPlan("scheduled", Days(date(2026, 3, 1), date(2026, 3, 2)), World.of("tiny", 4), False)
ENTRY = FileEntry("visits", "visits.csv", 10, "2026-03-01", "2026-03-02", "2026-03-01", 9.5)


def _manifest(folder) -> Manifest:
    return Manifest(
        domain="toy",
        window=str(PLAN.window),
        scale="tiny",
        seed=4,
        files=(ENTRY, FileEntry("customers", "customers.csv", 3, None, None)),
        folder=str(folder),
        run_type=PLAN.run_type,
        opens_history=False,
        full_refresh=True,
    )


def test_a_manifest_reads_back_as_written_with_its_plan(tmp_path):
    _manifest(tmp_path).write(tmp_path)
    read = Manifest.read(tmp_path)
    assert read == _manifest(tmp_path)
    assert read.plan == replace(PLAN, full_refresh=True)
    assert read.files[0].days == PLAN.window and read.files[1].days is None
    assert read.path_of(ENTRY) == tmp_path / "visits.csv"


def test_a_folder_without_a_manifest_is_not_a_run_yet(tmp_path):
    with pytest.raises(ManifestError, match="run the generate stage for this run first"):
        Manifest.read(tmp_path)


def test_a_manifest_naming_a_file_outside_its_folder_is_refused(tmp_path):
    _manifest(tmp_path).write(tmp_path)
    raw = json.loads((tmp_path / MANIFEST).read_text())
    raw["files"][0]["file"] = "../visits.csv"
    (tmp_path / MANIFEST).write_text(json.dumps(raw))
    with pytest.raises(ManifestError, match=r"names the file '\.\./visits\.csv'"):
        Manifest.read(tmp_path)


def test_a_manifest_from_before_it_carried_full_refresh_reads_as_not_one(tmp_path):
    _manifest(tmp_path).write(tmp_path)
    raw = json.loads((tmp_path / MANIFEST).read_text())
    del raw["full_refresh"]
    (tmp_path / MANIFEST).write_text(json.dumps(raw))
    assert Manifest.read(tmp_path).plan.full_refresh is False
