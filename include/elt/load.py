"""Load stage: COPY generated files into bronze, replacing the day partitions they cover.

A load has two steps, so the DAG can spread the first over one task per dataset:

1. **Stage** each file (:func:`stage_file`): COPY it into the run's own staging table in
   ``bronze_stage`` (partitions that only accept the file's days, or a copy of a reference
   table), check its row count against the manifest, commit. A file that fails to parse, or
   holds fewer or more rows than the manifest says, leaves nothing staged. A large file is
   COPYed by two sessions at once.
2. **Commit** the run's staged files (:func:`commit`) in one transaction: per table, take its
   advisory lock, drop the partitions they replace and attach the new ones
   (:mod:`include.elt.warehouse.partitions`); a reference table is replaced row by row. Readers
   see every file of the run or none; a rerun of the same days leaves bronze identical, and two
   loads of a table serialise on its lock.

Files are read as streams, from local disk or an object store alike (:mod:`include.elt.storage`):
COPY takes the bytes as they arrive, never from a local copy; the two halves of a large file are
two ranged reads of it.

Bronze holds one synthetic world per domain (:mod:`include.elt.runs`). The commit holds the
domain's world lock: shared for loads in the stored world, exclusive for a load that replaces
it, which drops everything else bronze held in the same transaction.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
from psycopg2 import errors, sql

from include.elt import storage
from include.elt.contract.datasets import LINEAGE_COLUMNS, Dataset
from include.elt.contract.domain import Domain
from include.elt.core.errors import FinalError, PlanError
from include.elt.generate import FileEntry, Manifest
from include.elt.runs import record_plan, record_world, stored_world
from include.elt.warehouse import catalog, locks
from include.elt.warehouse import partitions as parts
from include.elt.warehouse.connection import SetupError, connect, transaction
from include.elt.warehouse.locks import BOOTSTRAP_LOCK, advisory_lock, raise_lock_timeout

log = logging.getLogger(__name__)

COPY_BUFFER_BYTES = 1 << 20
PARALLEL_LOADS = 2  # one per core: COPY is CPU-bound on the server
STAGING_SEPARATOR = "__"  # <table>__<tag>: a run's staging of a table
STAGING_TAG = 8
STAGING_SCHEMA = "bronze_stage"
SPLIT_BYTES = 32 << 20  # a file larger than this is COPYed in two parallel streams
MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1


class LoadError(FinalError, RuntimeError):
    """A file could not be loaded; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows: int
    replaced_rows: int
    seconds: float


def load_manifest(url: str, domain: Domain, manifest: Manifest, run_id: str) -> list[LoadResult]:
    """Load every file of a generate run: stage each (the largest first, two at a time), then
    commit them all to bronze in one transaction."""
    _check_domain(domain, manifest)
    try:
        stage_every_dataset(manifest, lambda d: load_dataset(url, domain, manifest, d, run_id))
    except BaseException:
        discard(url, domain, manifest, run_id)
        raise
    return commit(url, domain, manifest, run_id)


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


def load_dataset(
    url: str, domain: Domain, manifest: Manifest, dataset: str, run_id: str
) -> list[int]:
    """Stage the files of one dataset (a mapped load task): its rows, per file."""
    _check_domain(domain, manifest)
    entries = [e for e in manifest.files if e.dataset == dataset]
    if not entries:
        raise LoadError(f"{manifest.folder}: the manifest holds no file of {dataset!r}")
    return [stage_file(url, domain, manifest, e, run_id) for e in entries]


def load_file(
    url: str, domain: Domain, manifest: Manifest, entry: FileEntry, run_id: str
) -> LoadResult:
    """Stage one file and commit it alone: the partitions it covers (or the whole reference
    table) are replaced."""
    stage_file(url, domain, manifest, entry, run_id)
    return commit(url, domain, manifest, run_id, [entry])[0]


def stage_file(url: str, domain: Domain, manifest: Manifest, entry: FileEntry, run_id: str) -> int:
    """COPY a file into its staging table in ``bronze_stage`` (committed, bronze untouched):
    partitions that only accept the file's days, or a copy of a reference table. A large file
    is COPYed by two sessions at once. Any failure leaves no staging behind."""
    started = time.perf_counter()
    dataset, path, ranges, name = _checked(domain, manifest, entry)
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
            _check_rows(path, rows, entry)
        else:
            with transaction(url) as conn, conn.cursor() as cur:
                _create_staging(cur, dataset, name, staging, ranges, run_id, path)
                with _csv_stream(path) as stream:
                    rows = _copy(cur, dataset, stream, target, path)
                _check_rows(path, rows, entry)
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


def commit(
    url: str,
    domain: Domain,
    manifest: Manifest,
    run_id: str,
    entries: list[FileEntry] | None = None,
) -> list[LoadResult]:
    """Swap the staged files of the run into bronze in one transaction, under the domain's world
    lock: readers see all of them or none. A run that replaces the world (or the first load of
    a domain) drops everything else bronze held."""
    _check_domain(domain, manifest)
    entries = sorted(manifest.files if entries is None else entries, key=lambda e: e.dataset)
    with world_lock(url, domain, exclusive=manifest.replace_history) as stored:
        replacing = manifest.replace_history or stored is None
        if not replacing and stored.world != manifest.world:
            raise _other_world(domain, stored.world, manifest)
        results = []
        with transaction(url) as conn, conn.cursor() as cur:
            for entry in entries:  # one lock order: by dataset
                started = time.perf_counter()
                dataset, path, ranges, name = _checked(domain, manifest, entry)
                staging = staging_name(name, run_id)
                advisory_lock(cur, locks.table_lock(name))
                advisory_lock(cur, locks.staging_lock(staging))
                rows = _staged_rows(cur, staging, path)
                _check_rows(path, rows, entry)
                replaced = _swap(cur, STAGING_SCHEMA, name, staging, dataset, ranges, replacing)
                _record_load(cur, domain, entry, run_id, rows, replaced, replacing)
                results.append(_result(domain, entry, path, rows, replaced, started))
            record_world(cur, domain, manifest.plan, run_id)
            # generate records the plan; one made without a warehouse is in the manifest alone
            record_plan(cur, domain, run_id, manifest.plan, keep=True)
    return results


def discard(url: str, domain: Domain, manifest: Manifest, run_id: str) -> None:
    """Drop whatever the run staged (a load that failed: nothing of it is committed)."""
    with transaction(url) as conn, conn.cursor() as cur:
        for entry in manifest.files:
            _drop_staging(cur, staging_name(domain.relation(entry.dataset), run_id))


def refuse_other_world(url: str, domain: Domain, manifest: Manifest) -> None:
    """Fail early, before any COPY, if the run would mix its world with the stored one (the
    commit checks again, under the world lock)."""
    if manifest.replace_history:
        return
    with transaction(url) as conn, conn.cursor() as cur:
        stored = stored_world(cur, domain)
    if stored is not None and stored.world != manifest.world:
        raise _other_world(domain, stored.world, manifest)


def _other_world(domain: Domain, stored, manifest: Manifest) -> PlanError:
    return PlanError(
        f"{domain.name} holds the world {stored}; this run was generated in"
        f" {manifest.world} without 'replace all history': refusing to mix them"
    )


def staging_name(name: str, run_id: str) -> str:
    """The run's own staging table of a bronze table, so runs (backfills) may load side by side:
    the table's name (cut to leave room for a partition suffix) and a tag of table and run."""
    tag = hashlib.sha1(f"{name}/{run_id}".encode()).hexdigest()[:STAGING_TAG]
    room = MAX_IDENTIFIER - len("_p20260101_20260131") - len(STAGING_SEPARATOR) - STAGING_TAG
    return f"{name[:room]}{STAGING_SEPARATOR}{tag}"


def _check_domain(domain: Domain, manifest: Manifest) -> None:
    if manifest.domain != domain.name:
        raise LoadError(
            f"manifest in {manifest.folder} is for {manifest.domain!r}, not {domain.name!r}"
        )


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


def _staged_rows(cur, staging: str, path: storage.Location) -> int:
    cur.execute("select to_regclass(%s) is not null", [f"{STAGING_SCHEMA}.{staging}"])
    if not cur.fetchone()[0]:
        raise LoadError(
            f"{path}: not staged in {STAGING_SCHEMA}.{staging} (was its load task run?)"
        )
    cur.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(STAGING_SCHEMA, staging)))
    return cur.fetchone()[0]


@contextmanager
def world_lock(url: str, domain: Domain, *, exclusive: bool) -> Iterator:
    """Hold the domain's world lock for a whole load, and read the stored world under it."""
    conn = connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            advisory_lock(cur, locks.world_lock(domain.name), shared=not exclusive, session=True)
            yield stored_world(cur, domain)
    finally:
        conn.close()  # releases the session lock, also if the process is killed


def _checked(domain: Domain, manifest: Manifest, entry: FileEntry):
    dataset = domain.dataset(entry.dataset)
    path = manifest.path_of(entry)
    if not path.exists():
        raise LoadError(f"{path}: file not found (was the generate stage run?)")
    ranges = entry.ranges()
    if ranges is not None and dataset.partition_column is None:
        raise LoadError(f"{dataset.name} has no partition column to replace days by")
    return dataset, path, ranges, domain.relation(dataset.name)


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


def _check_rows(path: storage.Location, rows: int, entry: FileEntry) -> None:
    if rows != entry.rows:
        raise LoadError(
            f"{path}: loaded {rows} rows but the manifest says {entry.rows}: the file is"
            f" incomplete or was changed after generate; nothing was loaded"
        )


def _swap(
    cur, schema: str, name: str, staging: str, dataset: Dataset, ranges, replace_all: bool
) -> int:
    """Put the staged rows in place of what they replace; returns the rows replaced."""
    table = sql.Identifier("bronze", name)
    try:
        if ranges is None:
            # A reference table is small: replaced row by row, so what depends on it (views,
            # grants) stays, and readers see the old rows or the new ones.
            cur.execute(sql.SQL("delete from {}").format(table))
            replaced = cur.rowcount
            staged = sql.Identifier(schema, staging)
            cur.execute(sql.SQL("insert into {} select * from {}").format(table, staged))
            cur.execute(sql.SQL("drop table {}").format(staged))
            return replaced
        replaced = _rows_in(cur, table, dataset.partition_column, None if replace_all else ranges)
        new = []
        for days in ranges:
            part = sql.Identifier(schema, f"{staging}_{parts.suffix(days)}")
            parts.detach(cur, f"{schema}.{staging}", part)
            if schema != "bronze":
                cur.execute(sql.SQL("alter table {} set schema bronze").format(part))
            new.append((f"{staging}_{parts.suffix(days)}", days))
        cur.execute(sql.SQL("drop table {}").format(sql.Identifier(schema, staging)))
        parts.swap_in(cur, "bronze", name, dataset.partition_column, new, replace_all=replace_all)
        parts.compact(cur, "bronze", name, dataset.partition_column)
        return replaced
    except errors.LockNotAvailable as exc:
        raise_lock_timeout(exc, f"bronze.{name} (readers hold it)")


def _record_load(cur, domain, entry: FileEntry, run_id, rows, replaced, world_replaced) -> None:
    cur.execute(
        "insert into audit.loads (run_id, domain, dataset, first_day, last_day, row_count,"
        " replaced_rows, world_replaced, expected_rows)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (domain, run_id, dataset) do update set first_day = excluded.first_day,"
        " last_day = excluded.last_day, row_count = excluded.row_count,"
        " replaced_rows = excluded.replaced_rows, world_replaced = excluded.world_replaced,"
        " expected_rows = excluded.expected_rows, loaded_at = now()",
        [
            run_id,
            domain.name,
            entry.dataset,
            entry.first_day,
            entry.last_day,
            rows,
            replaced,
            world_replaced,
            entry.expected_rows,
        ],
    )


def _rows_in(cur, table: sql.Identifier, column: str, ranges) -> int:
    if ranges is None:
        cur.execute(sql.SQL("select count(*) from {}").format(table))
        return cur.fetchone()[0]
    first, stop = ranges[0].start, ranges[-1].stop
    cur.execute(
        sql.SQL("select count(*) from {} where {col} >= %s and {col} < %s").format(
            table, col=sql.Identifier(column)
        ),
        [first, stop],
    )
    return cur.fetchone()[0]


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


def _result(domain, entry, path, rows, replaced, started) -> LoadResult:
    seconds = time.perf_counter() - started
    name = domain.relation(entry.dataset)
    log.info(
        "bronze.%s: %d rows from %s (replaced %d) in %.2fs",
        name,
        rows,
        path.name,
        replaced,
        seconds,
    )
    return LoadResult(name, rows, replaced, seconds)


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


# --- the bronze tables ----------------------------------------------------------------------------

_READY: set[tuple[str, str]] = set()


def ensure_bronze(loader_url: str, domain: Domain) -> None:
    """The domain's bronze tables, made by the loader (which owns them) if missing: a new
    domain needs no setup step (once per process)."""
    if (loader_url, domain.name) in _READY:
        return
    with transaction(loader_url) as conn, conn.cursor() as cur:
        cur.execute("select to_regnamespace('audit') is not null")
        if not cur.fetchone()[0]:
            raise SetupError(
                "the warehouse is not set up (no audit schema): run scripts/warehouse-init.sh"
                " as its superuser once (docker compose does, at its first start)"
            )
        advisory_lock(cur, BOOTSTRAP_LOCK)
        for dataset in domain.datasets:
            cur.execute(bronze_ddl(cur, "bronze", domain.relation(dataset.name), dataset))
    _READY.add((loader_url, domain.name))


def bronze_ddl(cur, schema: str, table: str, dataset: Dataset) -> sql.Composable:
    """``create table`` for a bronze table: declared columns plus lineage from session settings.

    A dataset with a partition column is range-partitioned on it; its partitions (a day, or the
    history before a run's first day) are created by the loader. The lineage defaults let the
    loader COPY straight into the table while every row still records its run and file.
    """
    columns = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(c.name),
            sql.SQL(c.pg_type),
            sql.SQL(" not null" if c.name == dataset.partition_column else ""),
        )
        for c in dataset.columns
    ]
    columns += [
        sql.SQL("_run_id text not null default current_setting('elt.run_id')"),
        sql.SQL("_source_file text not null default current_setting('elt.source_file')"),
        sql.SQL("_loaded_at timestamptz not null default now()"),
    ]
    partitioning = sql.SQL("")
    if dataset.partition_column:
        partitioning = sql.SQL(" partition by range ({})").format(
            sql.Identifier(dataset.partition_column)
        )
        _refuse_unpartitioned(cur, schema, table)
    _refuse_outdated(cur, schema, table, dataset)
    return sql.SQL("create table if not exists {} ({}){}").format(
        sql.Identifier(schema, table), sql.SQL(", ").join(columns), partitioning
    )


def _refuse_outdated(cur, schema: str, table: str, dataset: Dataset) -> None:
    """A bronze table made by a version that declared other columns cannot take this one's
    files: say which columns differ and what to do."""
    found = [
        name
        for name, _ in catalog.relation_columns(cur, f"{schema}.{table}")
        if name not in LINEAGE_COLUMNS
    ]
    if found and found != dataset.column_names:
        missing = [c for c in dataset.column_names if c not in found]
        extra = [c for c in found if c not in dataset.column_names]
        raise RuntimeError(
            f"{schema}.{table} has the columns of another version of the platform"
            f" (missing {missing}, not declared {extra}); drop it (its data is regenerated by"
            f" the next run) or start from a new warehouse volume (`docker compose down -v`)"
        )


def _refuse_unpartitioned(cur, schema: str, table: str) -> None:
    """A bronze table from before day partitions cannot be loaded by day: say what to do."""
    cur.execute(
        "select c.relkind from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname = %s",
        [schema, table],
    )
    row = cur.fetchone()
    if row and row[0] == "r":
        raise RuntimeError(
            f"{schema}.{table} is an unpartitioned table from an earlier version of the platform;"
            f" drop it (its data is regenerated by the next run) or start from a new warehouse"
            f" volume (`docker compose down -v`)"
        )
