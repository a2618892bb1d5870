"""Hostile text in every free-text input: refused with a clear error, or carried as plain data.
A canary table proves no statement ran from any of it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from include.elt import pipeline
from include.elt.core.days import Days
from include.elt.files.manifest import Manifest, ManifestError
from include.elt.files.storage import safe_name
from tests.conftest import REPO, new_warehouse, role_env
from tests.helpers import query, run_context

DAY = "2026-04-01"
CANARY = "public.canary"
PAYLOADS = [
    "x'; drop table public.canary; --",
    'x"; drop table public.canary; --',
    "$$; drop table public.canary; $$",
    "x'); select pg_sleep(5); --",
    "{{ source('plans') }}; drop table public.canary",
    "{batch}%(x)s%s",
    "../../../../tmp/escaped",
    ".",
    "..",
]


@pytest.fixture(scope="module")
def warehouse():
    url = new_warehouse()
    query(
        url,
        f"create table {CANARY} (alive boolean); insert into {CANARY} values (true) returning 1",
    )
    return url


def _cli(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts/elt.py"), *args],
        capture_output=True,
        text=True,
        env={**role_env(url), "ELT_DATA_DIR": str(data_dir), "PATH": os.environ["PATH"]},
        timeout=300,
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_run_id_is_only_ever_an_id(warehouse, tmp_path, payload):
    result = _cli(
        warehouse,
        tmp_path,
        "generate",
        "--scale",
        "tiny",
        "--start",
        DAY,
        "--end",
        DAY,
        "--run-id",
        payload,
        "--load",
    )
    assert result.returncode == 0, result.stderr
    assert query(warehouse, f"select alive from {CANARY}") == [(True,)]
    # carried verbatim as data, written only under the domain's run folder
    assert query(
        warehouse, "select count(*) > 0 from audit.task_runs where run_id = %s", [payload]
    ) == [(True,)]
    runs = (tmp_path / "runs/streaming").resolve()
    folder = runs / safe_name(payload)
    assert folder.parent == runs and (folder / "manifest.json").is_file()
    assert not (tmp_path.parent / "escaped").exists()


def test_a_whole_run_with_a_hostile_id_builds_validates_and_publishes(warehouse, tmp_path):
    payload = PAYLOADS[0]
    day = date.fromisoformat(DAY)
    pipeline.run(run_context(warehouse, tmp_path, payload, Days(day, day)))
    assert query(warehouse, f"select alive from {CANARY}") == [(True,)]
    docs = tmp_path / "great_expectations/gx/uncommitted/validations"
    assert all(docs.resolve() in p.resolve().parents for p in docs.rglob("*.json"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "tiny'; drop table public.canary; --"], "unknown scale"),
        (["--seed", "1; drop table public.canary"], "invalid number value"),
        (["--start", "2026-01-01'; drop table public.canary; --"], "invalid fromisoformat"),
        (["--domain", "streaming; drop table public.canary"], "invalid choice"),
        (["--days", "1 or 1=1"], "invalid number value"),
        (["--volume", "orders=1; drop table public.canary"], "argument --volume"),
        (["--volume", "customers=0"], "0 is not between 1"),
    ],
)
def test_hostile_params_are_refused_in_one_line(warehouse, tmp_path, args, message):
    result = _cli(warehouse, tmp_path, "run", *args)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert query(warehouse, f"select alive from {CANARY}") == [(True,)]


def test_a_manifest_naming_a_file_elsewhere_is_refused(tmp_path):
    day = date.fromisoformat(DAY)
    ctx = run_context(None, tmp_path, "tampered", Days(day, day))
    pipeline.run(ctx, ["generate"])
    path = ctx.run_folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][0]["file"] = "../../../../etc/passwd"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match=re.escape("names the file '../../../../etc/passwd'")):
        Manifest.read(ctx.run_folder)
