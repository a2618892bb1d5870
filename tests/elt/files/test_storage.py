"""Where a run's files go, on local disk (an object store: tests/elt/test_object_storage.py)."""

from __future__ import annotations

import pytest

from include.elt.core.errors import PlanError
from include.elt.files import storage


def test_a_plain_run_id_is_its_own_file_name_any_other_gets_a_hash():
    assert storage.safe_name("scheduled__2026-03-01T00:00:00+00:00") == (
        "scheduled__2026-03-01T00:00:00+00:00"
    )
    for hostile in ("../x", ".", "..", ".hidden", "a/b"):
        name = storage.safe_name(hostile)
        assert "/" not in name and name not in (".", "..") and name != hostile
    assert storage.safe_name("a/b") != storage.safe_name("a?b")
    with pytest.raises(PlanError, match="needs a run id"):
        storage.safe_name("")


def test_a_run_folder_is_under_its_domains_runs(tmp_path):
    folder = storage.run_folder(tmp_path, "toy", "../../escape")
    assert folder.parent == (tmp_path / "runs" / "toy").resolve()


def test_a_file_being_replaced_keeps_its_old_content_if_the_writing_fails(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), storage.replacing(target) as f:
        f.write(b"half")
        raise RuntimeError("the export failed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
    with storage.replacing(target) as f:
        f.write(b"new")
    assert target.read_text() == "new"


def test_logs_stay_on_local_disk(tmp_path, monkeypatch):
    monkeypatch.delenv(storage.LOG_DIR_ENV, raising=False)
    assert storage.log_dir(tmp_path) == tmp_path / "logs"
    monkeypatch.setenv(storage.LOG_DIR_ENV, str(tmp_path / "elsewhere"))
    assert storage.log_dir(tmp_path) == tmp_path / "elsewhere"
