"""A throwaway PostgreSQL server for tests and benchmarks: initdb, start, drop on exit.

Uses the server binaries of the machine (``PG_BIN``, default /usr/lib/postgresql/15/bin). initdb
refuses to run as root, so as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from include.devstack.ports import free_port
from include.elt.core.roles import ROLES, STAGE_ROLES, role_name

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
REPO_ROOT = Path(__file__).resolve().parents[2]
# Only for servers made by this module, which live for a test session or a benchmark.
THROWAWAY_ROLE_PASSWORD = "throwaway-role-password"
SERVER_SETTINGS = {
    # A test server: durability off, memory for sorts and hashes on.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
    "max_connections": "200",
}


class TemporaryPostgres:
    def __init__(self, user: str = "elt", password: str = "elt-test-password") -> None:
        self.user, self.password = user, password
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="elt-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> TemporaryPostgres:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL server binaries not found in {PG_BIN} (set PG_BIN)")
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as_root:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run(
            PG_BIN / "initdb",
            "-D",
            self.data,
            "-U",
            self.user,
            "--pwfile",
            pwfile,
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
        )
        return self.start_server()

    def start_server(self) -> TemporaryPostgres:
        """Start (or start again) the server of this cluster."""
        options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
        self._run(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.root / "server.log",
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {options}",
            "start",
        )
        return self

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server, keeping the cluster (``fast``: abort what runs, as a restart does)."""
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg2
        from psycopg2 import sql

        conn = psycopg2.connect(self.url())
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        conn.close()
        return self.url(name)

    def role_url(self, role: str, database: str) -> str:
        return f"postgresql://{role}:{THROWAWAY_ROLE_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def init_warehouse(self, database: str, role_passwords: Path | None = None):
        """Set ``database`` up as a warehouse with ``scripts/warehouse-init.sh``, as compose
        does at the warehouse's first start; returns the stage roles' logins.

        ``role_passwords`` is the secrets script's verifier file; without it, every role gets
        the throwaway password (tests and benchmarks on a server that lives minutes)."""
        from include.elt.warehouse.connection import Warehouse

        if role_passwords is None:
            role_passwords = self.root / "role_passwords.sql"
            role_passwords.write_text(
                "".join(
                    f"alter role {role} password '{THROWAWAY_ROLE_PASSWORD}';\n" for role in ROLES
                )
            )
        subprocess.run(
            ["bash", str(REPO_ROOT / "scripts/warehouse-init.sh")],
            check=True,
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "PGHOST": "127.0.0.1",
                "PGPORT": str(self.port),
                "PGUSER": self.user,
                "PGPASSWORD": self.password,
                "PGDATABASE": database,
                "ELT_SQL_DIR": str(REPO_ROOT / "sql/platform"),
                "ELT_ROLE_PASSWORDS_FILE": str(role_passwords),
            },
        )
        return Warehouse(**{role: self.role_url(role_name(role), database) for role in STAGE_ROLES})

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():  # not already stopped
                self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
