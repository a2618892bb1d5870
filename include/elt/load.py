"""Load stage: COPY generated files into bronze, replacing the days each file covers.

One file is one transaction: take the table's advisory lock, delete the rows of the days the
file covers, COPY the file in. A rerun of the same days therefore leaves bronze identical, two
concurrent loads of a table serialise on the lock, and a file that fails to parse rolls back
to the previous state.

Bronze holds one synthetic world per domain: the (scale, seed) it was generated with, kept in
``audit.domain_profiles``. Days of one world never mix with another's (their ids would clash),
so a run with another scale or seed replaces the domain's whole bronze, in one transaction.
"""

from __future__ import annotations

import io
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg2
from psycopg2 import sql

from include.elt.domain import Domain
from include.elt.generate import FileEntry, Manifest
from include.elt.schema import Dataset
from include.elt.warehouse import transaction

log = logging.getLogger(__name__)

COPY_BUFFER_BYTES = 1 << 20
PARALLEL_LOADS = 2  # one per core: COPY is CPU-bound on the server
Days = tuple[date, date] | None


class LoadError(RuntimeError):
    """A file could not be loaded; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows: int
    replaced_rows: int
    seconds: float


def load_manifest(url: str, domain: Domain, manifest: Manifest, run_id: str) -> list[LoadResult]:
    """Load every file of a generate run."""
    if manifest.domain != domain.name:
        raise LoadError(
            f"manifest in {manifest.folder} is for {manifest.domain!r}, not {domain.name!r}"
        )
    stored = stored_profile(url, domain)
    if stored not in (None, manifest.world):
        log.warning(
            "bronze holds %s scale=%s seed=%s; this run is scale=%s seed=%s: replacing it all",
            domain.name,
            *stored,
            *manifest.world,
        )
        return _replace_world(url, domain, manifest, run_id)
    # The largest files first, two at a time: each in its own transaction.
    entries = sorted(manifest.files, key=lambda e: e.rows, reverse=True)
    with ThreadPoolExecutor(PARALLEL_LOADS) as pool:
        futures = [
            pool.submit(
                load_file,
                url,
                domain,
                domain.dataset(e.dataset),
                manifest.path_of(e),
                _days(e),
                run_id,
            )
            for e in entries
        ]
        results = [f.result() for f in futures]
    with transaction(url) as conn, conn.cursor() as cur:
        _record_profile(cur, domain, manifest, run_id)
    return results


def load_file(
    url: str, domain: Domain, dataset: Dataset, path: Path, days: Days, run_id: str
) -> LoadResult:
    """Replace the ``days`` of ``dataset`` in bronze (all of it if ``None``) with ``path``."""
    started = time.perf_counter()
    with transaction(url) as conn, conn.cursor() as cur:
        rows, replaced = _replace(cur, domain, dataset, Path(path), days, run_id)
    return _result(domain, dataset, path, rows, replaced, started)


def stored_profile(url: str, domain: Domain) -> tuple[str, int] | None:
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select scale, seed from audit.domain_profiles where domain = %s", [domain.name]
        )
        row = cur.fetchone()
    return (row[0], row[1]) if row else None


def _replace_world(url: str, domain: Domain, manifest: Manifest, run_id: str) -> list[LoadResult]:
    results = []
    with transaction(url) as conn, conn.cursor() as cur:
        for entry in sorted(manifest.files, key=lambda e: e.dataset):  # one lock order
            started = time.perf_counter()
            dataset = domain.dataset(entry.dataset)
            path = manifest.path_of(entry)
            rows, replaced = _replace(cur, domain, dataset, path, None, run_id)
            results.append(_result(domain, dataset, path, rows, replaced, started))
        _record_profile(cur, domain, manifest, run_id)
    return results


def _replace(cur, domain: Domain, dataset: Dataset, path: Path, days: Days, run_id: str):
    if not path.is_file():
        raise LoadError(f"{path}: file not found (was the generate stage run?)")
    if days is not None and dataset.partition_column is None:
        raise LoadError(f"{dataset.name} has no partition column to replace days by")
    name = domain.relation(dataset.name)
    table = sql.Identifier("bronze", name)
    cur.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"bronze.{name}"])
    cur.execute(
        "select set_config('elt.run_id', %s, true), set_config('elt.source_file', %s, true)",
        [run_id, str(path)],
    )
    cur.execute(*_delete_statement(table, dataset, days))
    replaced = cur.rowcount
    copy = sql.SQL("copy {} ({}) from stdin with (format csv, header match)").format(
        table, sql.SQL(", ").join(map(sql.Identifier, dataset.column_names))
    )
    try:
        with _csv_stream(path) as f:
            cur.copy_expert(copy, f, size=COPY_BUFFER_BYTES)
    except psycopg2.Error as exc:
        raise LoadError(_describe_copy_error(path, exc)) from exc
    return cur.rowcount, replaced


def _csv_stream(path: Path):
    """The file as CSV bytes: CSV as it is, Parquet converted in memory (COPY reads CSV)."""
    if path.suffix != ".parquet":
        return path.open("rb")
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pacsv.write_csv(pq.read_table(path), buffer)
    buffer.seek(0)
    return buffer


def _result(domain, dataset, path, rows, replaced, started) -> LoadResult:
    seconds = time.perf_counter() - started
    name = domain.relation(dataset.name)
    log.info(
        "bronze.%s: %d rows from %s (replaced %d) in %.2fs",
        name,
        rows,
        Path(path).name,
        replaced,
        seconds,
    )
    return LoadResult(name, rows, replaced, seconds)


def _record_profile(cur, domain: Domain, manifest: Manifest, run_id: str) -> None:
    cur.execute(
        "insert into audit.domain_profiles (domain, scale, seed, run_id) values (%s, %s, %s, %s)"
        " on conflict (domain) do update set scale = excluded.scale, seed = excluded.seed,"
        " run_id = excluded.run_id, loaded_at = now()",
        [domain.name, *manifest.world, run_id],
    )


def _days(entry: FileEntry) -> Days:
    if entry.first_day is None:
        return None
    return date.fromisoformat(entry.first_day), date.fromisoformat(entry.last_day)


def _delete_statement(table: sql.Identifier, dataset: Dataset, days: Days):
    if days is None:
        return sql.SQL("delete from {}").format(table), []
    first, last = days
    return (
        sql.SQL("delete from {} where {col} >= %s and {col} < %s").format(
            table, col=sql.Identifier(dataset.partition_column)
        ),
        [first, last + timedelta(days=1)],
    )


_LINE = re.compile(r"line (\d+)")


def _describe_copy_error(path: Path, exc: psycopg2.Error) -> str:
    context = (exc.diag.context or "").strip()
    match = _LINE.search(context)
    where = f"{path}:{match.group(1)}" if match else str(path)
    message = (exc.diag.message_primary or str(exc)).strip()
    detail = f" ({context})" if context else ""
    return f"{where}: {message}{detail}"
