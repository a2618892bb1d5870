"""Retention: what the platform removes as it ages, so nothing grows without bound, and what it
never touches (bronze, silver and gold history, a domain's state, the last published run).

Run daily by the ``maintenance`` DAG (or :func:`apply` from a shell); each kind has its age in
days, from the environment (``.env.example``):

- task logs (Airflow's log folder, the OpenLineage event files in it too): files older than
  ``ELT_RETAIN_LOG_DAYS``, and the folders they leave empty;
- run folders ``runs/<domain>/<run>/`` (local or in the object store): those nothing was written
  to for ``ELT_RETAIN_RUN_DAYS`` (a day's files are loaded minutes after they are written);
- Data Docs validation results of runs older than ``ELT_RETAIN_DOCS_DAYS``, and their pages
  (every render also keeps no more than the last ``KEEP_RUNS`` runs of a suite: this removes
  those of suites no run validates any more, e.g. of a paused domain);
- ``audit`` rows of runs older than ``ELT_RETAIN_AUDIT_DAYS`` (tasks, model builds, loads, plans),
  never a domain's last published run (``gold.freshness`` reads it) nor a leased one;
- what a failed run staged in ``bronze_stage`` and never committed, once a later run of its
  domain published and a day has passed (no run lives that long: the run timeout is hours).
  Silver and gold stagings need no retention: a model's next build replaces its staging.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path

from include.elt.contract.domain import domain_names, load_domain
from include.elt.files import storage
from include.elt.stages.load import staging
from include.elt.stages.validate import data_docs
from include.elt.warehouse import ledger
from include.elt.warehouse.connection import Warehouse, transaction

log = logging.getLogger(__name__)

STAGING_GRACE = timedelta(days=1)
# each kind's days, from the environment
RETENTION_ENV = {
    "logs": "ELT_RETAIN_LOG_DAYS",
    "runs": "ELT_RETAIN_RUN_DAYS",
    "docs": "ELT_RETAIN_DOCS_DAYS",
    "audit": "ELT_RETAIN_AUDIT_DAYS",
}


@dataclass(frozen=True)
class Retention:
    """Days each kind of record is kept."""

    logs: int = 30
    runs: int = 14
    docs: int = 14  # data_docs.KEEP_RUNS: more days would keep no more
    audit: int = 90

    @classmethod
    def from_env(cls) -> Retention:
        values = {}
        for f in fields(cls):
            text = os.environ.get(RETENTION_ENV[f.name])
            if text:
                if not text.isdigit() or int(text) < 1:
                    raise ValueError(
                        f"{RETENTION_ENV[f.name]}={text!r}: a whole number of days, 1 or more"
                    )
                values[f.name] = int(text)
        return cls(**values)


@dataclass(frozen=True)
class Removed:
    what: str
    count: int
    bytes: int = 0

    def __str__(self) -> str:
        size = f" ({self.bytes / 2**20:.1f} MiB)" if self.bytes else ""
        return f"{self.what}: {self.count} removed{size}"


def old_files(folder: Path, before: datetime) -> Removed:
    """Files under a local folder last written before ``before``, and the folders that leaves
    empty, up to (not including) the folder's own children: writers expect those to be there
    (the OpenLineage transport makes no folder)."""
    count = size = 0
    if not folder.is_dir():
        return Removed(f"files under {folder}", 0)
    cutoff, emptied = before.timestamp(), set()
    for path in list(folder.rglob("*")):
        stat = path.stat() if path.is_file() else None
        if stat is not None and stat.st_mtime < cutoff:
            path.unlink()
            count, size = count + 1, size + stat.st_size
            emptied.add(path.parent)
    for parent in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while parent.exists() and parent.parent != folder and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return Removed(f"files under {folder}", count, size)


def old_run_folders(data_dir: storage.Location, before: datetime) -> Removed:
    """Run folders nothing was written to since ``before``."""
    count = size = 0
    runs = data_dir / "runs"
    for domain_folder in runs.iterdir() if runs.exists() else ():
        for folder in domain_folder.iterdir():
            written, held = storage.written_under(folder)
            if written is None or written < before.timestamp():
                storage.remove_tree(folder)
                count, size = count + 1, size + held
    return Removed("run folders", count, size)


def old_validations(gx_dir: storage.Location, before: datetime) -> Removed:
    if not (storage.location(gx_dir) / "gx").exists():
        return Removed("Data Docs validation results", 0)
    return Removed("Data Docs validation results", data_docs.prune_before(gx_dir, before))


def old_audit(warehouse: Warehouse, before: datetime) -> Removed:
    with transaction(warehouse.transformer) as conn, conn.cursor() as cur:
        removed = ledger.prune_history(cur, before)
    detail = ", ".join(f"{table} {n}" for table, n in removed.items())
    return Removed(f"audit rows ({detail})", sum(removed.values()))


def failed_stagings(warehouse: Warehouse, now: datetime) -> Removed:
    with transaction(warehouse.validator) as conn, conn.cursor() as cur:
        runs = ledger.uncommitted_loads(cur, now - STAGING_GRACE)
    known = set(domain_names())
    dropped = sum(
        staging.drop_run_stagings(warehouse.loader, load_domain(domain), run_id)
        for domain, run_id in runs
        if domain in known
    )
    return Removed(f"failed stagings in {staging.STAGING_SCHEMA}", dropped)


def apply(
    retention: Retention,
    *,
    now: datetime,
    warehouse: Warehouse,
    data_dir: storage.Location,
    log_folder: Path | None,
) -> list[Removed]:
    """Everything retention removes, as of ``now``; what it removed, kind by kind."""
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    removed = [
        old_run_folders(data_dir, days(retention.runs)),
        old_validations(data_dir / "great_expectations", days(retention.docs)),
        # before the audit rows it finds them by go
        failed_stagings(warehouse, now),
        old_audit(warehouse, days(retention.audit)),
    ]
    if log_folder is not None:
        removed.insert(0, old_files(log_folder, days(retention.logs)))
    for kind in removed:
        log.info("retention: %s", kind)
    return removed
