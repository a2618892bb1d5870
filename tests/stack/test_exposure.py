"""What the running platform exposes: every listener on loopback, and no password in a task
log, a process listing, an audit row or a file the platform wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import query
from tests.stack.conftest import generated_secrets, listeners


def test_every_listener_of_the_native_stack_is_on_loopback(stack):
    listening = listeners(stack)
    assert len({c.pid for c in listening}) >= 4, listening  # API, docs, and both clusters
    exposed = [(c.pid, c.laddr) for c in listening if c.laddr.ip not in ("127.0.0.1", "::1")]
    assert exposed == [], f"listening beyond loopback: {exposed}"


def _files_under(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(skip)]


def test_no_password_in_logs_process_listings_audit_rows_or_outputs(stack, api, warehouse):
    secrets = generated_secrets(stack)
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
