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
from pathlib import Path

import pytest

from include.devstack.postgres import TemporaryPostgres

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
    """A new, empty warehouse database on the session's server."""
    return _server.create_database(f"warehouse_{next(_databases)}")


@pytest.fixture
def warehouse_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """A new warehouse, exported as the Airflow connection ``warehouse``."""
    url = new_warehouse()
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
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
