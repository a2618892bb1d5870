"""Stage a file (the ``load_bronze`` stage, a task per dataset): COPY it into the run's own
staging table in ``bronze_stage``, committed, bronze untouched.

The staging table of a dataset with a partition column is partitioned like its bronze table,
each partition only accepting its days: a row outside the file's days fails the COPY. A file
that fails to parse, or holds fewer or more rows than the manifest says, leaves nothing staged.
A large file is COPYed by two sessions at once, as two ranged reads of it. Files are read as
streams, from local disk or an object store alike (:mod:`include.elt.files.storage`): COPY
takes the bytes as they arrive, never from a local copy; Parquet is converted to CSV in
memory.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg2
from psycopg2 import sql

from include.elt.contract.datasets import Dataset
from include.elt.contract.domain import Domain
from include.elt.core.errors import FinalError, PlanError
from include.elt.files import storage
from include.elt.files.manifest import FileEntry, Manifest
from include.elt.warehouse import batches, catalog, ledger, locks
from include.elt.warehouse import partitions as parts
from include.elt.warehouse.connection import connect, transaction
from include.elt.warehouse.locks import advisory_lock

log = logging.getLogger(__name__)

COPY_BUFFER_BYTES = 1 << 20
PARALLEL_LOADS = 2  # one per core: COPY is CPU-bound on the server
STAGING_SEPARATOR = "__"  # <table>__<tag>: a run's staging of a table
STAGING_SCHEMA = batches.SCHEMA
SPLIT_BYTES = 32 << 20  # a file larger than this is COPYed in two parallel streams
MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1


class LoadError(FinalError, RuntimeError):
    """A file could not be loaded; the message names the file and, where known, the line."""


def stage_every_dataset(manifest: Manifest, stage: Callable[[str], object]) -> None:
    """Call ``stage(dataset)`` for every dataset of the manifest, the largest first,
    ``PARALLEL_LOADS`` at a time; the first error raises once all have ended."""
    rows = Counter()
    for entry in manifest.files:
        rows[entry.dataset] += entry.rows
    with ThreadPoolExecutor(PARALLEL_LOADS) as pool:
        futures = [pool.submit(stage, name) for name, _ in rows.most_common()]
    for future in futures:
        future.result()


def stage_dataset(
    url: str, domain: Domain, manifest: Manifest, dataset: str, run_id: str
) -> list[int]:
    """Stage the files of one dataset (a mapped load task): its rows, per file."""
    check_domain(domain, manifest)
    entries = [e for e in manifest.files if e.dataset == dataset]
    if not entries:
        raise LoadError(f"{manifest.folder}: the manifest holds no file of {dataset!r}")
    return [stage_file(url, domain, manifest, e, run_id) for e in entries]


def stage_file(url: str, domain: Domain, manifest: Manifest, entry: FileEntry, run_id: str) -> int:
    """COPY a file into its staging table in ``bronze_stage`` (committed, bronze untouched):
    partitions that only accept the file's days, or a copy of a reference table. A large file
    is COPYed by two sessions at once. Any failure leaves no staging behind."""
    started = time.perf_counter()
    dataset, path, ranges, name = file_of(domain, manifest, entry)
    refuse_other_world(url, domain, manifest)
    staging = staging_name(name, run_id)
    target = sql.Identifier(STAGING_SCHEMA, staging)
    holder = connect(url)  # this run's claim on the staging, until it is whole
    holder.autocommit = True
    try:
        with holder.cursor() as cur:
            advisory_lock(cur, locks.staging_lock(staging), session=True)
        if _splittable(domain, entry, path):
            with transaction(url) as conn, conn.cursor() as cur:
                _create_staging(cur, dataset, name, staging, ranges, run_id, path)
            halves = _halves(path)
            with ThreadPoolExecutor(len(halves)) as pool:
                rows = sum(pool.map(lambda h: _copy_half(url, dataset, path, staging, h), halves))
            check_rows(path, rows, entry)
        else:
            with transaction(url) as conn, conn.cursor() as cur:
                _create_staging(cur, dataset, name, staging, ranges, run_id, path)
                with _csv_stream(path) as stream:
                    rows = _copy(cur, dataset, stream, target, path)
                check_rows(path, rows, entry)
    except BaseException:
        with transaction(url) as conn, conn.cursor() as cur:
            _drop_staging(cur, staging)
        raise
    finally:
        holder.close()
    log.info(
        "%s.%s: staged %d rows of %s in %.2fs",
        STAGING_SCHEMA,
        staging,
        rows,
        path.name,
        time.perf_counter() - started,
    )
    return rows


def refuse_other_world(url: str, domain: Domain, manifest: Manifest) -> None:
    """Fail early, before any COPY, if the run would mix its world with the stored one (the
    commit checks again, under the world lock)."""
    if manifest.replace_history:
        return
    with transaction(url) as conn, conn.cursor() as cur:
        stored = ledger.stored_world(cur, domain.name)
    if stored is not None and stored.world != manifest.world:
        raise other_world(domain, stored.world, manifest)


def other_world(domain: Domain, stored, manifest: Manifest) -> PlanError:
    return PlanError(
        f"{domain.name} holds the world {stored}; this run was generated in"
        f" {manifest.world} without 'replace all history': refusing to mix them"
    )


def staging_name(name: str, run_id: str) -> str:
    """The run's own staging table of a bronze table, so runs (backfills) may load side by side:
    the table's name (cut to leave room for a partition suffix) and a tag of table and run."""
    room = MAX_IDENTIFIER - len("_p20260101_20260131") - len(STAGING_SEPARATOR) - batches.TAG
    return f"{name[:room]}{STAGING_SEPARATOR}{batches.run_tag(name, run_id)}"


def check_domain(domain: Domain, manifest: Manifest) -> None:
    if manifest.domain != domain.name:
        raise LoadError(
            f"manifest in {manifest.folder} is for {manifest.domain!r}, not {domain.name!r}"
        )


def file_of(domain: Domain, manifest: Manifest, entry: FileEntry):
    """A manifest entry's dataset, file, the partitions it replaces (``None``: the whole table)
    and its bronze table's name."""
    dataset = domain.dataset(entry.dataset)
    path = manifest.path_of(entry)
    if not path.exists():
        raise LoadError(f"{path}: file not found (was the generate stage run?)")
    ranges = None if entry.days is None else parts.plan_ranges(entry.days, _day(entry.daily_from))
    if ranges is not None and dataset.partition_column is None:
        raise LoadError(f"{dataset.name} has no partition column to replace days by")
    return dataset, path, ranges, domain.relation(dataset.name)


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def _create_staging(cur, dataset: Dataset, name, staging, ranges, run_id, path) -> None:
    _drop_staging(cur, staging)  # what an earlier attempt of the run left
    target = sql.Identifier(STAGING_SCHEMA, staging)
    if ranges is None:
        cur.execute(
            sql.SQL("create table {} (like {} including defaults)").format(
                target, sql.Identifier("bronze", name)
            )
        )
    else:
        _stage_partitions(cur, STAGING_SCHEMA, name, staging, dataset, ranges)
    _set_lineage(cur, target, run_id, path)


def _splittable(domain: Domain, entry: FileEntry, path: storage.Location) -> bool:
    return (
        entry.first_day is not None
        and path.suffix == ".csv"
        and path.is_file()  # a regular file or an object: a pipe cannot be read from two places
        and path.stat().st_size > SPLIT_BYTES
        and domain.dataset(entry.dataset).partition_column is not None
    )


def _halves(path: storage.Location) -> list[tuple[int, int]]:
    """(offset, length) of two parts of the file, split after a line end near the middle."""
    size = path.stat().st_size
    with storage.open_read(path) as f:
        f.seek(size // 2)
        f.readline()
        middle = f.tell()
    return [(0, middle), (middle, size - middle)] if middle < size else [(0, size)]


def _copy_half(url: str, dataset: Dataset, path: storage.Location, staging: str, half) -> int:
    offset, length = half
    with transaction(url) as conn, conn.cursor() as cur, _Slice(path, offset, length) as stream:
        return _copy(
            cur, dataset, stream, sql.Identifier(STAGING_SCHEMA, staging), path, header=offset == 0
        )


class _Slice(io.RawIOBase):
    """``length`` bytes of a file or object from ``offset``, as a readable stream."""

    def __init__(self, path: storage.Location, offset: int, length: int) -> None:
        self._file = storage.open_read(path)
        self._file.seek(offset)
        self.offset, self._left = offset, length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()
        super().close()


def drop_run_stagings(url: str, domain: Domain, run_id: str) -> int:
    """Drop what a run staged in ``bronze_stage`` and never committed (a failed run's, kept for
    inspection until retention removes it); returns the tables dropped."""
    dropped = 0
    with transaction(url) as conn, conn.cursor() as cur:
        for dataset in domain.datasets:
            staging = staging_name(domain.relation(dataset.name), run_id)
            advisory_lock(cur, locks.staging_lock(staging))
            if catalog.exists(cur, f"{STAGING_SCHEMA}.{staging}"):
                _drop_staging(cur, staging)
                dropped += 1
    return dropped


def _drop_staging(cur, staging: str) -> None:
    cur.execute(
        sql.SQL("drop table if exists {} cascade").format(sql.Identifier(STAGING_SCHEMA, staging))
    )
    cur.execute(
        "select relname from pg_class join pg_namespace as n on n.oid = relnamespace"
        " where n.nspname = %s and relname like %s and relkind = 'r'",
        [STAGING_SCHEMA, f"{staging}\\_p%"],
    )
    for (left,) in cur.fetchall():
        cur.execute(sql.SQL("drop table {}").format(sql.Identifier(STAGING_SCHEMA, left)))


def _stage_partitions(cur, schema: str, name: str, staging: str, dataset: Dataset, ranges) -> None:
    """A partitioned staging table whose partitions only accept their days: COPY routes every
    row to its day, and a row outside the file's days fails the COPY."""
    column = dataset.partition_column
    parts.create_partitioned_like(cur, schema, staging, f"bronze.{name}", column)
    pg_type = parts.column_type(cur, "bronze", name, column)
    for days in ranges:
        table = parts.create_standalone(
            cur, schema, f"{staging}_{parts.suffix(days)}", f"bronze.{name}", column, pg_type, days
        )
        parts.add_partition(cur, f"{schema}.{staging}", table, days, pg_type)


def _set_lineage(cur, target: sql.Identifier, run_id: str, path: storage.Location) -> None:
    """Lineage as constants of this load: COPY fills them without a function call per row."""
    for column, value in (("_run_id", run_id), ("_source_file", str(path))):
        cur.execute(
            sql.SQL("alter table {} alter column {} set default {}").format(
                target, sql.Identifier(column), sql.Literal(value)
            )
        )


def _copy(
    cur,
    dataset: Dataset,
    stream,
    table: sql.Identifier,
    path: storage.Location,
    *,
    header: bool = True,
) -> int:
    copy = sql.SQL("copy {} ({}) from stdin with (format csv, header {})").format(
        table,
        sql.SQL(", ").join(map(sql.Identifier, dataset.column_names)),
        sql.SQL("match" if header else "false"),
    )
    try:
        cur.copy_expert(copy, stream, size=COPY_BUFFER_BYTES)
    except psycopg2.Error as exc:
        raise LoadError(_describe_copy_error(path, exc, getattr(stream, "offset", 0))) from exc
    return cur.rowcount


def check_rows(path: storage.Location, rows: int, entry: FileEntry) -> None:
    if rows != entry.rows:
        raise LoadError(
            f"{path}: loaded {rows} rows but the manifest says {entry.rows}: the file is"
            f" incomplete or was changed after generate; nothing was loaded"
        )


def _csv_stream(path: storage.Location):
    """The file as CSV bytes: CSV as it is, Parquet converted in memory (COPY reads CSV; pyarrow
    reads the Parquet footer and column chunks from the stream, ranged reads on an object)."""
    if path.suffix != ".parquet":
        return storage.open_read(path)
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    with storage.open_read(path) as f:
        pacsv.write_csv(pq.read_table(f), buffer)
    buffer.seek(0)
    return buffer


_LINE = re.compile(r"line (\d+)")


def _lines_before(path: storage.Location, offset: int) -> int:
    lines = 0
    with _Slice(path, 0, offset) as f:
        while chunk := f.read(COPY_BUFFER_BYTES):
            lines += chunk.count(b"\n")
    return lines


def _describe_copy_error(path: storage.Location, exc: psycopg2.Error, offset: int = 0) -> str:
    context = (exc.diag.context or "").strip()
    match = _LINE.search(context)
    where = str(path)
    if match:  # COPY counts lines from where its stream started
        before = _lines_before(path, offset) if offset else 0
        where = f"{path}:{int(match.group(1)) + before}"
    message = (exc.diag.message_primary or str(exc)).strip()
    detail = f" ({context})" if context else ""
    return f"{where}: {message}{detail}"
