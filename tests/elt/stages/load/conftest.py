"""What the load's tests share: a streaming run's files on a warehouse's loader."""

from __future__ import annotations

from datetime import date

import pytest

from include.elt.contract.domain import load_domain
from include.elt.core.days import Days
from include.elt.files.manifest import FileEntry, Manifest
from include.elt.files.storage import run_folder
from include.elt.stages.generate import generate
from include.elt.stages.load import staging
from include.elt.stages.load.bronze import ensure_bronze
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.partitions import partitions_of
from tests.conftest import roles
from tests.helpers import checksum, count, qualified

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
    return generate(domain, WINDOW, scale="tiny", seed=5, out_dir=folder(tmp_path, RUN))


@pytest.fixture
def warehouse(warehouse_url, domain) -> str:
    """The warehouse as the load stage reaches it: the loader's login."""
    loader = roles(warehouse_url).loader
    ensure_bronze(loader, domain)
    return loader


@pytest.fixture
def two_streams(monkeypatch):
    """Every partitioned file counts as large: loaded by two sessions at once."""
    monkeypatch.setattr(staging, "SPLIT_BYTES", 1_000)


def folder(base, run_id: str):
    """Where run ``run_id`` of streaming keeps its files under ``base``."""
    return run_folder(base, "streaming", run_id)


def bronze_state(url: str) -> dict[str, tuple[int, str]]:
    tables = ["plans", "content", "customers", "subscriptions", "usage_logs"]
    return {
        t: (
            count(url, qualified("streaming", "bronze", t)),
            checksum(url, qualified("streaming", "bronze", t)),
        )
        for t in tables
    }


def file_entry(manifest: Manifest, dataset: str) -> FileEntry:
    return next(f for f in manifest.files if f.dataset == dataset)


def partitions(url: str, dataset: str) -> list[Days]:
    relation = load_domain("streaming").relation(dataset)
    with transaction(url) as conn, conn.cursor() as cur:
        return [p.days for p in partitions_of(cur, "bronze", relation)]
