"""scripts/generate_secrets.py: secrets are made once, kept, overridable, never well-known, and
each consumer's folder holds only what it uses, readable by its owner alone."""

from __future__ import annotations

import base64
import configparser
import hashlib
import hmac
import stat
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
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


def _verifies(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier was made from ``password`` (RFC 5802)."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored, _server = keys.split(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client = hmac.new(salted, b"Client Key", "sha256").digest()
    return (
        method == "SCRAM-SHA-256"
        and base64.b64encode(hashlib.sha256(client).digest()).decode() == stored
    )


def _config(text: str) -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read_string(text)
    return config


def test_secrets_are_generated_once_and_kept(tmp_path):
    first = _run(tmp_path)
    again = _run(tmp_path)
    # every file, the password verifiers with their salts included: a restart changes nothing
    assert again == first
    config = _config(first["airflow/airflow.cfg"])
    for section, key in (
        ("api_auth", "jwt_secret"),
        ("api", "secret_key"),
        ("core", "fernet_key"),
        ("database", "sql_alchemy_conn"),
    ):
        assert len(config[section][key]) >= 20
    env = first["airflow/airflow.env"]
    for name in (
        "AIRFLOW_CONN_WAREHOUSE_LOADER",
        "AIRFLOW_CONN_WAREHOUSE_TRANSFORMER",
        "AIRFLOW_CONN_WAREHOUSE_VALIDATOR",
    ):
        assert name in env
    password = first["airflow/admin_password"].strip()
    assert len(password) >= 20 and password not in {"admin", "airflow"}


def test_each_consumer_gets_only_its_own_secrets(tmp_path):
    files = _run(tmp_path)
    by_folder: dict[str, set[str]] = {}
    for path in files:
        folder, name = path.split("/")
        by_folder.setdefault(folder, set()).add(name)
    assert by_folder["warehouse-db"] == {"superuser_password", "role_passwords.sql"}
    assert by_folder["metadata-db"] == {"password"}
    assert by_folder["redis"] == {"password", "redis.conf"}
    assert by_folder["flower"] == {"airflow.env", "password"}
    flower = files["flower/airflow.env"]
    assert {line.split("=")[0] for line in flower.splitlines()} == {
        "export AIRFLOW__CELERY__BROKER_URL",
        "export AIRFLOW__CELERY__FLOWER_BASIC_AUTH",
    }
    assert "owner.env" in by_folder["warehouse-admin"]
    airflow = "".join(files[f"airflow/{name}"] for name in by_folder["airflow"])
    owner_password = files["warehouse-admin/owner_password"].strip()
    superuser = files["warehouse-db/superuser_password"].strip()
    assert owner_password not in airflow and superuser not in airflow
    for name in ("jwt_secret", "fernet_key", "admin_password"):
        secret = files[f"airflow/{name}"].strip()
        assert all(secret not in files[p] for p in files if not p.startswith("airflow/"))


def test_files_are_readable_by_their_owner_alone(tmp_path):
    _run(tmp_path)
    for path in tmp_path.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"


def test_the_warehouse_gets_verifiers_never_passwords(tmp_path):
    files = _run(tmp_path)
    statements = files["warehouse-db/role_passwords.sql"].splitlines()
    passwords = {
        "elt_loader": files["airflow/loader_password"].strip(),
        "elt_owner": files["warehouse-admin/owner_password"].strip(),
        "analyst": files["warehouse-admin/analyst_password"].strip(),
    }
    for role, password in passwords.items():
        (line,) = [s for s in statements if s.startswith(f"alter role {role} ")]
        verifier = line.split("'")[1]
        assert password not in line
        assert _verifies(verifier, password)


def test_a_changed_password_gets_a_new_verifier(tmp_path):
    first = _run(tmp_path)["warehouse-db/role_passwords.sql"]
    again = _run(tmp_path, ELT_LOADER_PASSWORD="a-new-one")["warehouse-db/role_passwords.sql"]
    changed = [line for line in again.splitlines() if line not in first.splitlines()]
    assert len(changed) == 1 and "elt_loader" in changed[0]
    assert _verifies(changed[0].split("'")[1], "a-new-one")


def test_two_installs_get_different_secrets(tmp_path):
    assert _run(tmp_path / "a")["airflow/jwt_secret"] != _run(tmp_path / "b")["airflow/jwt_secret"]


def test_a_supplied_secret_wins(tmp_path):
    files = _run(
        tmp_path, AIRFLOW_ADMIN_PASSWORD="chosen-by-the-user", ELT_LOADER_PASSWORD="p@ss:word"
    )
    assert files["airflow/admin_password"] == "chosen-by-the-user\n"
    assert "elt_loader:p%40ss%3Aword@warehouse:5432/warehouse" in files["airflow/airflow.env"]


def test_the_celery_broker_and_result_backend_use_the_generated_passwords(tmp_path):
    files = _run(tmp_path, REDIS_PASSWORD="p@ss:word/#1")
    redis_password = files["redis/password"].strip()
    assert files["redis/redis.conf"] == f"requirepass {redis_password}\n"
    celery = _config(files["airflow/airflow.cfg"])["celery"]
    # read as Airflow reads it (with interpolation): the quoted password survives it
    assert celery["broker_url"] == "redis://:p%40ss%3Aword%2F%231@redis:6379/0"
    metadata = files["metadata-db/password"].strip()
    assert celery["result_backend"].startswith(f"db+postgresql://airflow:{metadata}@airflow-db:")
    assert "CELERY" not in files["airflow/airflow.env"]
    flower = files["flower/password"].strip()
    assert f"AIRFLOW__CELERY__FLOWER_BASIC_AUTH=admin:{flower}" in files["flower/airflow.env"]
    airflow = files["airflow/airflow.cfg"] + files["airflow/airflow.env"]
    assert "flower" not in airflow.lower() and flower not in airflow


def test_the_alerts_smtp_server_is_a_connection_in_airflow_env_alone(tmp_path):
    import json
    import shlex

    password = "smtp-pass-" + "x" * 16
    files = _run(
        tmp_path,
        ELT_ALERT_SMTP_HOST="smtp.example.org",
        ELT_ALERT_SMTP_PORT="465",
        ELT_ALERT_SMTP_SECURITY="ssl",
        ELT_ALERT_SMTP_USER="alerts",
        ELT_ALERT_SMTP_PASSWORD=password,
    )
    lines = dict(
        shlex.split(line)[1].split("=", 1) for line in files["airflow/airflow.env"].splitlines()
    )
    connection = json.loads(lines["AIRFLOW_CONN_ELT_ALERTS"])
    assert connection["host"] == "smtp.example.org" and connection["port"] == 465
    assert (connection["login"], connection["password"]) == ("alerts", password)
    assert connection["extra"]["disable_ssl"] is False
    assert [name for name, text in files.items() if password in text] == ["airflow/airflow.env"]
    # without a host, no connection: alerts are off
    assert "ELT_ALERTS" not in _run(tmp_path / "off")["airflow/airflow.env"]
