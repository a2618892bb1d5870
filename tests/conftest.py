"""Test harness: one throwaway PostgreSQL server for the whole session.

It is started before any test module imports Airflow, because Airflow reads its configuration
(metadata database, DAG folder) once at import. Each test that needs a warehouse gets a fresh
database on that server.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from include.devstack.postgres import TemporaryPostgres
from include.elt.core.roles import STAGE_ROLES, role_name
from include.elt.warehouse import readers
from include.elt.warehouse.connection import Warehouse, close_idle

REPO = Path(__file__).resolve().parents[1]
_server: TemporaryPostgres | None = None
_databases = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    global _server
    _server = TemporaryPostgres().start()
    home = Path(tempfile.mkdtemp(prefix="elt-airflow-home-"))
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": _server.create_database("airflow").replace(
                "postgresql://", "postgresql+psycopg2://", 1
            ),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "ELT_DATA_DIR": str(home / "data"),
        }
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _server is not None:
        _server.stop()


def new_warehouse() -> str:
    """A new warehouse database on the session's server, set up by the same
    ``scripts/warehouse-init.sh`` as compose, and its readers' session limits set as
    airflow-init's migration sets them; its superuser URL, for the tests' own queries."""
    name = f"warehouse_{next(_databases)}"
    url = _server.create_database(name)
    _server.init_warehouse(name)
    readers.set_limits(_server.role_url("analyst", name))
    return url


def roles(url: str) -> Warehouse:
    """The logins the platform uses for the warehouse at ``url``: one per stage role."""
    database = url.rsplit("/", 1)[1]
    return Warehouse(**{r: _server.role_url(role_name(r), database) for r in STAGE_ROLES})


def role_env(url: str) -> dict[str, str]:
    """The environment the CLI and Airflow read the role logins from."""
    return {
        f"AIRFLOW_CONN_WAREHOUSE_{role.upper()}": getattr(roles(url), role) for role in STAGE_ROLES
    }


def superuser(ctx) -> str:
    """The superuser URL of the warehouse a run context uses: for the tests' own queries."""
    return _server.url(ctx.warehouse.loader.rsplit("/", 1)[1])


@pytest.fixture(autouse=True)
def _close_idle_connections() -> Iterator[None]:
    """Close the connections a test's runs parked for reuse: each test has a warehouse of its
    own, so they would never be reused, and a session's worth of them would pass the server's
    ``max_connections``."""
    yield
    close_idle()


@pytest.fixture
def warehouse_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """A new warehouse, with its role logins exported as the Airflow connections
    ``warehouse_loader``, ``warehouse_transformer`` and ``warehouse_validator``."""
    url = new_warehouse()
    for name, value in role_env(url).items():
        monkeypatch.setenv(name, value)
    return url


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Migrate the Airflow metadata database once, for the tests that run DAGs."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True)
