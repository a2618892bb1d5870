"""Commit a run's staged files (the ``commit_bronze`` stage) in one transaction: per bronze
table, in the one lock order (:func:`include.elt.warehouse.locks.bronze_order`), take its lock,
drop the partitions the files replace and attach the staged ones
(:mod:`include.elt.warehouse.partitions`); a reference table is replaced row by row; and make
the run's own bronze gate batches. Readers see every file of the run or none; a rerun of the
same days leaves bronze identical, two loads of a table serialise on its lock, and a retry of
a commit that went through is a no-op.

Bronze holds one synthetic world per domain (:mod:`include.elt.stages.plan`). The commit holds
the domain's world lock: shared for loads in the stored world, exclusive for a load that
replaces it, which drops everything else bronze held in the same transaction. It records each
load, the world, and the run's plan if generate could not (``audit``, by
:mod:`include.elt.warehouse.ledger`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg2 import errors, sql

from include.elt.contract.datasets import Dataset
from include.elt.contract.domain import Domain
from include.elt.files import storage
from include.elt.files.manifest import Manifest
from include.elt.stages.load.staging import (
    STAGING_SCHEMA,
    LoadError,
    check_domain,
    check_rows,
    file_of,
    other_world,
    staging_name,
)
from include.elt.warehouse import batches, catalog, ledger, locks
from include.elt.warehouse import partitions as parts
from include.elt.warehouse.connection import connect, transaction
from include.elt.warehouse.locks import advisory_lock, bronze_order, raise_lock_timeout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    """What a commit did to one bronze table: the rows it put in, the rows they replaced."""

    table: str
    rows: int
    replaced_rows: int
    seconds: float


def commit(
    url: str,
    domain: Domain,
    manifest: Manifest,
    run_id: str,
) -> list[LoadResult]:
    """Swap the staged files of the run into bronze in one transaction, under the domain's world
    lock, and make the bronze gate's batches: readers see all of them or none. A run that
    replaces the world (or the first load of a domain) drops everything else bronze held. Done
    again after it committed (a retry), it changes nothing and returns what it did."""
    check_domain(domain, manifest)
    with world_lock(url, domain, exclusive=manifest.replace_history) as stored:
        replacing = manifest.replace_history or stored is None
        if not replacing and stored.world != manifest.world:
            raise other_world(domain, stored.world, manifest)
        entries = {e.dataset: e for e in manifest.files}
        with transaction(url) as conn, conn.cursor() as cur:
            done = _committed(cur, domain, manifest, run_id)
            if done is not None:  # a retry: the swap went through; only the batches again
                log.info("%s: run %s committed its files already", domain.name, run_id)
            results = done or []
            # Every bronze table, the loaded ones and the others' batches, in the one order.
            for dataset in bronze_order(domain.datasets, lambda d: domain.relation(d.name)):
                entry = entries.get(dataset.name)
                if entry is not None and done is None:
                    results.append(_commit_file(cur, domain, manifest, entry, run_id, replacing))
                batches.make_batch(
                    cur,
                    domain.relation(dataset.name),
                    dataset.partition_column,
                    entry and entry.days,
                    run_id,
                    domain.name,
                )
            if done is None:
                ledger.record_world(cur, domain.name, manifest.plan, run_id)
                # generate records the plan; one made without a warehouse is in the manifest
                ledger.record_plan(cur, domain.name, run_id, manifest.plan, keep=True)
    batches.drop_published(url, domain.name)
    return results


def _commit_file(cur, domain: Domain, manifest: Manifest, entry, run_id: str, replacing: bool):
    started = time.perf_counter()
    dataset, path, ranges, name = file_of(domain, manifest, entry)
    staging = staging_name(name, run_id)
    advisory_lock(cur, locks.table_lock(name))
    advisory_lock(cur, locks.staging_lock(staging))
    rows = _staged_rows(cur, staging, path)
    check_rows(path, rows, entry)
    replaced = _swap(cur, STAGING_SCHEMA, name, staging, dataset, ranges, replacing)
    ledger.record_load(
        cur,
        run_id,
        domain.name,
        entry.dataset,
        entry.days,
        rows=rows,
        replaced=replaced,
        world_replaced=replacing,
        expected_rows=entry.expected_rows,
    )
    return _result(domain, entry, path, rows, replaced, started)


def _committed(cur, domain: Domain, manifest: Manifest, run_id: str) -> list[LoadResult] | None:
    """What the run's commit did, if it committed already: none of its files is staged any
    more (the swap consumed them) and the ledger holds each one's load, with the manifest's rows
    and days. ``None``: not committed (a file still staged, or a load missing)."""
    if not manifest.files:
        return None
    staged = [staging_name(domain.relation(e.dataset), run_id) for e in manifest.files]
    if any(catalog.exists(cur, f"{STAGING_SCHEMA}.{s}") for s in staged):
        return None
    loads = ledger.loads_of(cur, domain.name, run_id)
    results = []
    for entry in manifest.files:
        load = loads.get(entry.dataset)
        if load is None or load.rows != entry.rows or load.days != entry.days:
            return None
        results.append(LoadResult(domain.relation(entry.dataset), load.rows, load.replaced, 0.0))
    return results


@contextmanager
def world_lock(url: str, domain: Domain, *, exclusive: bool) -> Iterator:
    """Hold the domain's world lock for a whole load, and read the stored world under it."""
    conn = connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            advisory_lock(cur, locks.world_lock(domain.name), shared=not exclusive, session=True)
            yield ledger.stored_world(cur, domain.name)
    finally:
        conn.close()  # releases the session lock, also if the process is killed


def _staged_rows(cur, staging: str, path: storage.Location) -> int:
    if not catalog.exists(cur, f"{STAGING_SCHEMA}.{staging}"):
        raise LoadError(
            f"{path}: not staged in {STAGING_SCHEMA}.{staging} (was its load task run?)"
        )
    cur.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(STAGING_SCHEMA, staging)))
    return cur.fetchone()[0]


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
