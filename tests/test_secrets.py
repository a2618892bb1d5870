"""scripts/generate_secrets.py: secrets are made once, kept, overridable, and never well-known."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = REPO / "scripts/generate_secrets.py"


def _run(folder, **env):
    subprocess.run(
        [sys.executable, str(SCRIPT), str(folder)],
        check=True,
        capture_output=True,
        env={"PATH": "", **env},
    )
    return {p.name: p.read_text() for p in folder.iterdir()}


def test_secrets_are_generated_once_and_kept(tmp_path):
    first = _run(tmp_path)
    assert _run(tmp_path) == first
    env = first["airflow.env"]
    for name in (
        "JWT_SECRET",
        "API__SECRET_KEY",
        "FERNET_KEY",
        "SQL_ALCHEMY_CONN",
        "AIRFLOW_CONN_WAREHOUSE",
    ):
        assert name in env
    assert first["warehouse_password"].strip() in env
    password = json.loads(first["simple_auth_manager_passwords.json"])["admin"]
    assert len(password) >= 20 and password not in {"admin", "airflow"}


def test_two_installs_get_different_secrets(tmp_path):
    assert _run(tmp_path / "a")["jwt_secret"] != _run(tmp_path / "b")["jwt_secret"]


def test_a_supplied_secret_wins(tmp_path):
    files = _run(
        tmp_path, AIRFLOW_ADMIN_PASSWORD="chosen-by-the-user", WAREHOUSE_PASSWORD="p@ss:word"
    )
    assert json.loads(files["simple_auth_manager_passwords.json"]) == {
        "admin": "chosen-by-the-user"
    }
    assert "warehouse:p%40ss%3Aword@warehouse:5432/warehouse" in files["airflow.env"]
