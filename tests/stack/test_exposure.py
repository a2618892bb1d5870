"""What the running platform exposes: every listener on loopback, and no password in a task
log, a process listing, an audit row or a file the platform wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psutil

from tests.helpers import query


def _tree(pid: int) -> set[int]:
    try:
        process = psutil.Process(pid)
        return {pid, *(child.pid for child in process.children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


def test_every_listener_of_the_native_stack_is_on_loopback(stack):
    pids = set()
    for process in stack._processes.values():
        pids |= _tree(process.pid)
    for server in stack._servers:  # the PostgreSQL clusters: their postmaster and children
        pids |= _tree(int((server.data / "postmaster.pid").read_text().split()[0]))
    listening = [
        c
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in pids
    ]
    assert len({c.pid for c in listening}) >= 4, listening  # API, docs, and both clusters
    exposed = [(c.pid, c.laddr) for c in listening if c.laddr.ip not in ("127.0.0.1", "::1")]
    assert exposed == [], f"listening beyond loopback: {exposed}"


def _secrets(stack) -> set[str]:
    values = set()
    for path in (stack.root / "secrets").rglob("*"):
        if path.is_file() and not path.name.endswith((".env", ".json", ".sql")):
            values.add(path.read_text().strip())
    return {v for v in values if len(v) >= 12}


def _files_under(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(skip)]


def test_no_password_in_logs_process_listings_audit_rows_or_outputs(stack, api, warehouse):
    secrets = _secrets(stack)
    assert len(secrets) >= 8
    places = {
        # airflow-init prints the logins at the first start, on purpose (the only place)
        str(p): p.read_text(errors="replace")
        for p in [
            *_files_under(stack.root / "airflow-logs"),
            *_files_under(stack.logs_dir, skip=("airflow-init",)),
            *_files_under(stack.data_dir),
        ]
    }
    places["ps"] = subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout
    places["audit"] = "\n".join(
        str(row)
        for table in ("task_runs", "runs", "loads", "model_builds", "domain_profiles")
        for row in query(warehouse, f"select * from audit.{table}")
    )
    leaks = [(name, place) for place, text in places.items() for name in secrets if name in text]
    assert leaks == [], f"a secret appears in {sorted({place for _, place in leaks})}"
    assert len(places) > 20  # logs, manifests, Data Docs and reports were really read
