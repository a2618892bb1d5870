"""A warehouse of your own in one command (``scripts/elt.py init-warehouse``), on a PostgreSQL
server of its own: roles are the server's, so making their passwords anew on the session's
server would change every other test's logins."""

from __future__ import annotations

import shlex
import stat
import subprocess
import sys

import psycopg2
import pytest

from include.devstack.postgres import TemporaryPostgres
from include.elt.core.roles import ROLES
from include.elt.warehouse import bootstrap
from include.elt.warehouse.connection import transaction
from tests.conftest import REPO
from tests.helpers import query


@pytest.fixture(scope="module")
def server():
    with TemporaryPostgres(user="postgres") as running:
        running.create_database("mine")
        yield running


def elt(*args: str, env: dict[str, str], data_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts/elt.py"), *args],
        capture_output=True,
        text=True,
        env={**env, "ELT_DATA_DIR": str(data_dir), "PATH": ""},
    )


def sourced(path) -> dict[str, str]:
    return dict(
        shlex.split(line)[1].split("=", 1) for line in path.read_text().splitlines() if line
    )


def test_a_database_of_your_own_is_set_up_by_one_command_and_then_runs(server, tmp_path):
    admin, logins = server.url("mine"), tmp_path / "secrets" / "logins.env"

    # before: a run says what to run instead of failing on a missing relation
    refused = elt(
        "run", "--scale", "tiny", env={"AIRFLOW_CONN_WAREHOUSE": admin}, data_dir=tmp_path
    )
    assert refused.returncode == 1
    assert "init-warehouse --admin-url" in refused.stderr
    assert "does not exist" not in refused.stderr

    def init_warehouse():
        return elt(
            "init-warehouse",
            "--admin-url",
            admin,
            "--logins-file",
            str(logins),
            env={},
            data_dir=tmp_path,
        )

    made = init_warehouse()
    assert made.returncode == 0, made.stderr
    urls = sourced(logins)
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    # the passwords are shown this once, each in the file, none of them the admin's
    assert all(f"{name}={url}" in made.stdout for name, url in urls.items())
    assert len({psycopg2.extensions.parse_dsn(u)["password"] for u in urls.values()}) == len(ROLES)
    # the server keeps verifiers, never a password
    assert query(
        admin,
        "select count(*) from pg_authid where rolname = any(%s)"
        " and rolpassword like 'SCRAM-SHA-256$%%'",
        [list(ROLES)],
    ) == [(len(ROLES),)]
    assert query(
        admin,
        "select tableowner from pg_tables where schemaname = 'audit'"
        " and tablename = 'domain_profiles'",
    ) == [("elt_owner",)]

    again = init_warehouse()
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout and "password" not in again.stdout.lower()
    assert sourced(logins) == urls

    ran = elt(
        "run",
        "--domain",
        "streaming",
        "--scale",
        "tiny",
        "--days",
        "2",
        "--end",
        "2026-03-02",
        env=urls,
        data_dir=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    analyst = urls[bootstrap.ANALYST_LOGIN]
    assert query(analyst, "select count(*) > 0 from gold.streaming_daily_usage") == [(True,)]
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        query(analyst, "select 1 from bronze.streaming_usage_logs limit 1")


def test_an_admin_that_cannot_make_roles_is_told_so(server, tmp_path):
    with transaction(server.url("mine")) as conn, conn.cursor() as cur:
        cur.execute("drop role if exists nobody; create role nobody login password 'x'")
    nobody = server.url("mine").replace(f"{server.user}:{server.password}", "nobody:x")
    with pytest.raises(bootstrap.SetupError, match="superuser, or the database's owner"):
        bootstrap.init_warehouse(nobody, tmp_path / "logins.env")
    assert not (tmp_path / "logins.env").exists()
