"""Run files on an object store: ``ELT_DATA_URL`` on S3 (moto's server, on loopback, over HTTP)
and the real warehouse. The flow gives what a local run gives and writes nothing locally but its
analytics log; loads stream from the objects, in two halves when large."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date

import pytest

from include.elt import pipeline
from include.elt.contract.domain import load_domain
from include.elt.core.days import Days
from include.elt.files import storage
from include.elt.files.manifest import MANIFEST, Manifest
from include.elt.stages.generate import generate
from include.elt.stages.load import staging
from include.elt.stages.load.bronze import ensure_bronze
from include.elt.stages.load.staging import LoadError
from include.elt.stages.report import dashboard
from include.elt.stages.validate import data_docs
from include.elt.stages.validate.data_docs import data_docs_dir
from tests.conftest import REPO, new_warehouse, role_env, roles, superuser
from tests.helpers import (
    assert_gold_previews_are_published,
    layer_state,
    load,
    qualified,
    query,
    run_context,
    warehouse_state,
)

BUCKET = "elt-test"
BASE = f"s3://{BUCKET}/platform"
WINDOW = Days(date(2026, 5, 1), date(2026, 5, 7))
USAGE_LOGS = qualified("streaming", "bronze", "usage_logs")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """moto's S3 server on 127.0.0.1 with an empty bucket; ``ELT_DATA_URL`` in it, the local
    data folder empty, logs and GX's local copy in folders of their own."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    root = tmp_path_factory.mktemp("object-storage")
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "ELT_DATA_URL": BASE,
        "ELT_DATA_DIR": str(root / "data"),
        "ELT_LOG_DIR": str(root / "logs"),
        "TMPDIR": str(root / "tmp"),
    }
    for folder in ("data", "tmp"):
        (root / folder).mkdir()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(tempfile, "tempdir", env["TMPDIR"])
        import s3fs

        s3fs.S3FileSystem.clear_instance_cache()  # one made for another endpoint
        fs = s3fs.S3FileSystem()
        fs.mkdir(BUCKET)
        yield fs, root, env
        s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


@pytest.fixture(scope="module")
def runs(s3, tmp_path_factory):
    """The same run twice: with local files, and with ``ELT_DATA_URL`` on the object store."""
    local = run_context(new_warehouse(), tmp_path_factory.mktemp("local") / "data", "first", WINDOW)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ELT_LOG_DIR")  # the local run's log in its own data folder
        pipeline.run(local)
    remote = run_context(new_warehouse(), storage.data_root(), "first", WINDOW)
    pipeline.run(remote)
    return local, remote


def _objects(fs, location) -> set[str]:
    """The objects under a location, by their path below it."""
    prefix = location.path.rstrip("/") + "/"
    return {key.removeprefix(prefix) for key in fs.find(location.path)}


def test_a_run_on_object_storage_equals_a_local_run(runs):
    local, remote = runs
    assert str(remote.data_dir) == BASE
    assert warehouse_state(superuser(remote)) == warehouse_state(superuser(local))
    for name in remote.domain.reports:
        assert (remote.reports_dir / name).read_bytes() == (local.reports_dir / name).read_bytes()
    # lineage names the object the rows were loaded from
    assert query(superuser(remote), f"select distinct _source_file from {USAGE_LOGS}") == [
        (f"{BASE}/runs/streaming/first/usage_logs.csv",)
    ]


def test_run_files_reports_and_data_docs_are_objects_and_nothing_is_written_locally(s3, runs):
    fs, root, _ = s3
    _, remote = runs
    manifest = Manifest.read(remote.run_folder)
    assert _objects(fs, remote.run_folder) == {MANIFEST, *(e.file for e in manifest.files)}
    assert _objects(fs, remote.reports_dir) == {*remote.domain.reports, dashboard.FILE_NAME}
    site = _objects(fs, data_docs_dir(remote.gx_dir))
    assert {"index.html", "static/vendor/.pins"} <= site
    assert any(re.fullmatch(r"validations/.*/first/.*\.html", page) for page in site)
    results = _objects(fs, remote.gx_dir / "gx/uncommitted/validations")
    assert any(re.fullmatch(r".*/first/.*\.json", result) for result in results)
    assert list((root / "data").rglob("*")) == []
    # the analytics log is appended to: a local file, under ELT_LOG_DIR
    assert remote.analytics_log == root / "logs" / "streaming" / "analytics.log"
    assert_gold_previews_are_published(superuser(remote), "streaming", remote.analytics_log)


def test_data_docs_list_the_runs_of_every_host_and_prune_them_in_the_store(s3, runs, monkeypatch):
    """A run in another process with a local copy of its own (another host) publishes an index
    that lists the earlier run's results, read from the store, and its own; pruning old results
    removes them, and their pages, from the store."""
    fs, root, env = s3
    _, remote = runs
    other_host = root / "other-host"
    other_host.mkdir()
    url = superuser(remote)
    result = subprocess.run(
        [
            *(sys.executable, str(REPO / "scripts/elt.py"), "run", "--run-id", "second"),
            *("--start", str(WINDOW.start), "--end", str(WINDOW.end), "--scale", "tiny"),
        ],
        capture_output=True,
        text=True,
        env={**env, **role_env(url), "TMPDIR": str(other_host), "PATH": os.environ["PATH"]},
    )
    assert result.returncode == 0, result.stderr
    site, results = data_docs_dir(remote.gx_dir), remote.gx_dir / "gx/uncommitted/validations"
    index = (site / "index.html").read_text()
    assert "/first/" in index and "/second/" in index
    assert list((root / "data").rglob("*")) == []

    monkeypatch.setattr(data_docs, "KEEP_RUNS", 1)  # this process: its copy lacks the second run
    assert data_docs.build_data_docs(remote.gx_dir) == site / "index.html"
    index = (site / "index.html").read_text()
    assert "/first/" not in index and "/second/" in index
    stored = _objects(fs, site) | _objects(fs, results)
    assert not any("/first/" in name for name in stored)
    assert any(re.fullmatch(r"validations/.*/second/.*\.html", name) for name in stored)


def test_the_published_outputs_are_served_from_the_store(runs):
    """The files alone (the login in front of them is the running stack's: tests/stack)."""
    from fastapi.testclient import TestClient

    from include.orchestration.published import create_app

    _, remote = runs
    client = TestClient(create_app(remote.data_dir, login_required=False))

    def get(path: str) -> tuple[int, bytes]:
        response = client.get(path)
        return response.status_code, response.content

    status, page = get("/data-docs/index.html")
    assert status == 200 and b"<html" in page
    report = "/reports/streaming/top_content_report.csv"
    assert get(report) == (200, (remote.reports_dir / "top_content_report.csv").read_bytes())
    status, listing = get("/reports/streaming/")
    assert status == 200 and b"engagement_report.csv" in listing
    status, listing = get("/reports")  # redirected to the folder
    assert status == 200 and b'href="streaming/"' in listing
    status, boards = get("/dashboards/")
    assert status == 200 and b'href="../reports/streaming/dashboard.html"' in boards
    assert get("/reports/streaming/dashboard.html")[0] == 200
    assert get("/reports/streaming/nothing.csv")[0] == 404
    assert get("/reports/%2e%2e/great_expectations/")[0] == 404
    assert get("/runs/streaming/first/manifest.json")[0] == 404


def test_the_local_copy_takes_in_what_changed_in_the_store_and_sends_back_its_own(s3, tmp_path):
    remote, local = storage.data_root() / "copy", tmp_path / "copy"
    (remote / "suite.json").write_text("version 1")
    assert storage.pull(remote, local) == 1
    assert storage.pull(remote, local) == 0  # nothing new
    time.sleep(1.1)  # S3 keeps modification times to the second
    (remote / "suite.json").write_text("version 2")  # another host's change, the same size
    assert storage.pull(remote, local) == 1
    assert (local / "suite.json").read_text() == "version 2"
    before = storage.files_under(local)
    (local / "suite.json").write_text("version 3")
    (local / "result.json").write_text("{}")
    assert storage.push(local, remote, before) == 2
    assert (remote / "suite.json").read_text() == "version 3"
    assert storage.pull(remote, local) == 0  # what it sent is not taken back
    (remote / "result.json").unlink()  # pruned by another host
    storage.pull(remote, local)
    assert storage.files_under(local).keys() == {"suite.json"}


# --- the load, on objects --------------------------------------------------------------------


RUN = "objects"  # the run of the tests' own folders, one per test (a test's own warehouse)


@pytest.fixture
def manifest(s3):
    """A three-day run written to the object store, in the folder of the run that loads it."""
    return generate(
        load_domain("streaming"),
        Days.ending(WINDOW.end, 3),
        scale="tiny",
        seed=5,
        out_dir=storage.run_folder(storage.data_root(), "streaming", RUN),
    )


def _warehouse() -> str:
    url = new_warehouse()
    ensure_bronze(roles(url).loader, load_domain("streaming"))
    return url


def test_a_large_object_loads_in_two_streams_exactly_as_in_one(manifest, monkeypatch):
    one = _warehouse()
    load(one, manifest, RUN)
    monkeypatch.setattr(staging, "SPLIT_BYTES", 1_000)
    entry = next(e for e in manifest.files if e.dataset == "usage_logs")
    assert len(staging._halves(manifest.path_of(entry))) == 2
    two = _warehouse()
    load(two, manifest, RUN)
    assert layer_state(two, "streaming", "bronze") == layer_state(one, "streaming", "bronze")


@pytest.mark.parametrize("split", [False, True], ids=["one-stream", "second-stream"])
def test_a_malformed_object_names_its_url_and_line(manifest, monkeypatch, split):
    if split:
        monkeypatch.setattr(staging, "SPLIT_BYTES", 1_000)
    path = manifest.path_of(next(e for e in manifest.files if e.dataset == "usage_logs"))
    lines = path.read_text().splitlines()
    bad = len(lines) - 3 if split else 4  # in the second half, or near the top
    lines[bad] = lines[bad].rsplit(",", 1)[0] + ",not-a-number"
    path.write_text("\n".join(lines) + "\n")
    url = _warehouse()
    with pytest.raises(LoadError, match=rf"^{re.escape(str(path))}:{bad + 1}: invalid input"):
        load(url, manifest, RUN)
    assert query(url, f"select count(*) from {USAGE_LOGS}") == [(0,)]


def test_regenerating_replaces_the_folder_whole_and_parquet_loads_from_objects(s3):
    fs, _, _ = s3
    domain = load_domain("streaming")
    folder = storage.run_folder(storage.data_root(), "streaming", "regenerated")
    days = Days.ending(WINDOW.end, 2)
    generate(domain, days, scale="tiny", seed=5, out_dir=folder)
    manifest = generate(domain, days, scale="tiny", seed=5, out_dir=folder, file_format="parquet")
    metadata = {f"{e.dataset}_metadata.json" for e in manifest.files}
    assert _objects(fs, folder) == {MANIFEST, *metadata, *(e.file for e in manifest.files)}
    results = load(_warehouse(), Manifest.read(folder), "regenerated")
    assert {r.table: r.rows for r in results} == {
        domain.relation(e.dataset): e.rows for e in manifest.files
    }
