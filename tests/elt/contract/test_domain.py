"""The domain contract: a domain the platform has never heard of runs end to end, found through
``ELT_DOMAIN_PACKAGES`` alone, and without that setting the platform sees only its own."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date
from itertools import groupby
from pathlib import Path

import pytest

from include.elt.contract.domain import DOMAIN_PACKAGES_ENV, domain_names, load_domain
from include.elt.core.stages import STAGE_NAMES, stage_of
from tests.conftest import REPO, new_warehouse, role_env
from tests.helpers import count, query
from tests.toy_domain import DOMAIN as TOY_DOMAIN

TOY = {DOMAIN_PACKAGES_ENV: "tests.toy_domain"}
BRONZE_CUSTOMERS = TOY_DOMAIN.qualified("bronze", "customers")
BRONZE_VISITS = TOY_DOMAIN.qualified("bronze", "visits")
SILVER_VISITS = TOY_DOMAIN.qualified("silver", "visits")
GOLD_DAILY_VISITS = TOY_DOMAIN.qualified("gold", "daily_visits")
FIRST_DAY, LAST_DAY = date(2026, 3, 1), date(2026, 3, 5)
CUSTOMERS = 1000
RUN_ID = "toy-run"


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory) -> tuple[str, Path]:
    """The toy domain's first run, through the CLI on a new warehouse: its URL and data folder."""
    url = new_warehouse()
    data_dir = tmp_path_factory.mktemp("toy") / "data"
    result = subprocess.run(
        [
            *(sys.executable, str(REPO / "scripts/elt.py"), "run", "--domain", "toy"),
            *("--volume", f"customers={CUSTOMERS}", "--run-id", RUN_ID),
            *("--start", FIRST_DAY.isoformat(), "--end", LAST_DAY.isoformat()),
        ],
        capture_output=True,
        text=True,
        env={**role_env(url), **TOY, "ELT_DATA_DIR": str(data_dir), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    return url, data_dir


def test_the_toy_domain_loads_builds_and_publishes_its_rows(toy_run):
    url, data_dir = toy_run
    assert count(url, BRONZE_CUSTOMERS) == CUSTOMERS
    visits = count(url, BRONZE_VISITS)
    assert visits > 0
    # every visit is of a known customer, so silver keeps them all, on the window's days
    assert query(
        url, f"select count(*), min(visit_date), max(visit_date) from {SILVER_VISITS}"
    ) == [(visits, FIRST_DAY, LAST_DAY)]
    recount = (
        "select visit_date, region, count(*), count(distinct customer_id), sum(pages)"
        f" from {SILVER_VISITS} group by visit_date, region"
    )
    gold = (
        "select visit_date, region, count_visits, count_visitors, count_pages"
        f" from {GOLD_DAILY_VISITS}"
    )
    assert query(url, f"{recount} except {gold}") == []
    assert query(url, f"{gold} except {recount}") == []
    with (data_dir / "reports/toy/daily_visits.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == count(url, GOLD_DAILY_VISITS)
    assert sum(int(r["count_visits"]) for r in rows) == visits
    # it declares no charts: reports, but no dashboard
    assert TOY_DOMAIN.charts() == ()
    assert not (data_dir / "reports/toy/dashboard.html").exists()


def test_the_toy_run_passed_every_gate_and_kept_its_world(toy_run):
    url, data_dir = toy_run
    audit = query(
        url,
        "select task, status, rows_in, rows_out from audit.task_runs"
        " where domain = 'toy' and run_id = %s order by started_at",
        [RUN_ID],
    )
    assert [stage for stage, _ in groupby(stage_of(task) for task, *_ in audit)] == list(
        STAGE_NAMES
    )
    assert {status for _, status, _, _ in audit} == {"success"}
    gates = [(evaluated, passed) for task, _, evaluated, passed in audit if "validate" in task]
    assert len(gates) == 3 and all(e == p and e > 0 for e, p in gates)
    validations = data_dir / "great_expectations/gx/uncommitted/validations"
    for suite in (
        "bronze/toy_customers",
        "bronze/toy_visits",
        "silver/toy_visits",
        "gold/toy_daily_visits",
    ):
        assert any((validations / suite).rglob("*.json")), suite
    (volumes,) = query(url, "select volumes from audit.domain_profiles where domain = 'toy'")[0]
    assert volumes == {"customers": CUSTOMERS}


def test_without_the_setting_only_the_platforms_own_domains_are_found(monkeypatch):
    monkeypatch.delenv(DOMAIN_PACKAGES_ENV, raising=False)
    own = sorted(p.parent.name for p in (REPO / "include/domains").glob("*/__init__.py"))
    assert domain_names() == own
    with pytest.raises(LookupError, match="unknown domain 'toy'"):
        load_domain("toy")
    monkeypatch.setenv(DOMAIN_PACKAGES_ENV, "tests.toy_domain")
    assert domain_names() == sorted([*own, "toy"])
    assert load_domain("toy").sql_dir == REPO / "tests/toy_domain/sql/toy"


@pytest.mark.parametrize(
    ("packages", "message"),
    [
        ("tests.no_such_domain", "cannot import the domain package 'tests.no_such_domain'"),
        ("tests.helpers", "tests.helpers exposes no DOMAIN"),
    ],
)
def test_a_wrong_domain_package_is_a_clear_error(monkeypatch, packages, message):
    monkeypatch.setenv(DOMAIN_PACKAGES_ENV, packages)
    with pytest.raises(LookupError, match=message):
        domain_names()
