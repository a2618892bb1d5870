"""Generate stage: run a domain's generator for a window and write one file per dataset, and
the manifest that lists them.

A run folder is complete when its manifest is there (:mod:`include.elt.files.manifest`). A
local folder is written aside and renamed into place; an object store has no rename, so there
the folder's old manifest is deleted first and the new one written last
(:mod:`include.elt.files.storage`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from include.elt.contract.datasets import Dataset
from include.elt.contract.domain import Domain, GeneratedRows
from include.elt.core.days import Days
from include.elt.core.runs import RunPlan, World
from include.elt.files import storage
from include.elt.files.manifest import MANIFEST, FileEntry, Manifest

log = logging.getLogger(__name__)

FORMATS = ("csv", "parquet")
_ARROW_TYPES = {
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "text": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "boolean": pa.bool_(),
    "double precision": pa.float64(),
    "jsonb": pa.string(),  # JSON text; PostgreSQL parses it on COPY
}


def arrow_type(pg_type: str) -> pa.DataType:
    if pg_type.startswith("numeric"):
        return pa.float64()
    return _ARROW_TYPES[pg_type]


def arrow_schema(dataset: Dataset) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, arrow_type(c.pg_type), nullable=c.nullable) for c in dataset.columns]
    )


def conform(dataset: Dataset, table: pa.Table) -> pa.Table:
    """The generated table with exactly the declared columns, in order, with declared types."""
    schema = arrow_schema(dataset)
    if table.num_columns == 0:
        return schema.empty_table()
    missing = set(schema.names) - set(table.column_names)
    extra = set(table.column_names) - set(schema.names)
    if missing or extra:
        raise ValueError(
            f"generator output for {dataset.name!r} does not match its declaration: "
            f"missing {sorted(missing)}, undeclared {sorted(extra)}"
        )
    return table.select(schema.names).cast(schema)


def generate(
    domain: Domain,
    window: Days,
    *,
    scale: str,
    seed: int,
    out_dir: storage.Location,
    volumes: dict[str, int] | None = None,
    file_format: str = "csv",
    plan: RunPlan | None = None,
) -> Manifest:
    """Write every dataset of ``domain`` for ``window`` under ``out_dir`` (replacing it whole).

    A generator returns the window's rows plus what they refer to from before it (customers
    since launch, orders that reviews rate). Unless the run opens the domain's history, that
    earlier part is already in bronze and is left out. A failure never leaves a folder with a
    manifest that does not match its files (:func:`_writing`).
    """
    plan = plan or RunPlan("manual", window, World.of(scale, seed, volumes), opens_history=True)
    if window.start < domain.earliest_day:
        raise ValueError(
            f"{domain.name}: window {window} starts before its earliest day {domain.earliest_day}"
        )
    if file_format not in FORMATS:
        raise ValueError(f"unknown file format {file_format!r}; choose one of {FORMATS}")
    started = time.perf_counter()
    out_dir = storage.location(out_dir)
    generated = domain.generate(window, scale=scale, seed=seed, volumes=volumes)
    with _writing(out_dir) as folder:
        entries = []
        for dataset in domain.datasets:
            if dataset.name not in generated:
                raise ValueError(f"{domain.name} generator produced no {dataset.name!r}")
            rows = generated[dataset.name]
            if not plan.opens_history:
                rows = clip(dataset, rows, window)
            entry, table = _write(
                domain, dataset, rows, window, folder, file_format, scale, volumes
            )
            _log_profile(dataset, table, out_dir / entry.file)
            entries.append(entry)
        manifest = Manifest(
            domain=domain.name,
            window=str(window),
            scale=scale,
            seed=seed,
            files=tuple(entries),
            folder=str(out_dir),
            volumes=volumes or None,
            run_type=plan.run_type,
            opens_history=plan.opens_history,
            replace_history=plan.replace_history,
            full_refresh=plan.full_refresh,
        )
        manifest.write(folder)
    total = sum(e.rows for e in entries)
    elapsed = time.perf_counter() - started
    log.info(
        "generated %d rows for %s %s in %.2fs (%.0f rows/s) -> %s",
        total,
        domain.name,
        window,
        elapsed,
        total / max(elapsed, 1e-9),
        out_dir,
    )
    return manifest


@contextmanager
def _writing(out_dir: storage.Location) -> Iterator[storage.Location]:
    """The folder to write a run's files into, ``out_dir`` once the block ends: a local folder
    is written to a sibling temporary folder and renamed into place; an object store has no
    rename, so there the old folder goes, manifest first, and the folder is complete once the
    block writes its new manifest, last. A local folder that fails is removed, and a write the
    system refused (a full disk) names it."""
    if not storage.is_local(out_dir):
        (out_dir / MANIFEST).unlink(missing_ok=True)
        storage.remove_tree(out_dir)
        yield out_dir
        return
    partial = out_dir.with_name(out_dir.name + ".partial")
    storage.remove_tree(partial)
    partial.mkdir(parents=True)
    try:
        yield partial
    except BaseException as exc:
        storage.remove_tree(partial)  # a full disk needs its space back
        if isinstance(exc, OSError) and exc.errno is not None:
            # the OS names no file for a failed write: say which run's files it was
            raise OSError(exc.errno, exc.strerror, str(out_dir)) from exc
        raise
    storage.remove_tree(out_dir)
    partial.rename(out_dir)


def _write(
    domain: Domain,
    dataset: Dataset,
    rows: GeneratedRows,
    window: Days,
    folder: storage.Location,
    file_format: str,
    scale: str,
    volumes: dict[str, int] | None,
) -> tuple[FileEntry, pa.Table]:
    """One dataset's file (and, for Parquet, its metadata beside it): its manifest entry and
    the rows written."""
    table = conform(dataset, rows.table)
    file = f"{dataset.name}.{file_format}"
    with storage.replacing(folder / file) as f:
        if file_format == "csv":
            pacsv.write_csv(table, f)
        else:
            pq.write_table(table, f, compression="snappy")
    if file_format == "parquet":
        write_metadata(dataset, table, folder / file, domain.qualified("bronze", dataset.name))
    days = rows.days
    entry = FileEntry(
        dataset=dataset.name,
        file=file,
        rows=table.num_rows,
        first_day=days.start.isoformat() if days else None,
        last_day=days.end.isoformat() if days else None,
        daily_from=max(window.start, days.start).isoformat() if days else None,
        expected_rows=domain.expected_rows(dataset.name, days, scale=scale, volumes=volumes),
    )
    return entry, table


def clip(dataset: Dataset, rows: GeneratedRows, window: Days) -> GeneratedRows:
    """Only the rows of ``window``'s days (rows that start before it)."""
    if rows.days is None or rows.days.start >= window.start:
        return rows
    if rows.table.num_rows:
        days = pc.cast(rows.table[dataset.partition_column], pa.date32())
        keep = pc.and_(
            pc.greater_equal(days, pa.scalar(window.start, pa.date32())),
            pc.less_equal(days, pa.scalar(window.end, pa.date32())),
        )
        rows = replace(rows, table=rows.table.filter(keep))
    return replace(rows, days=Days(window.start, max(rows.days.end, window.start)))


def write_metadata(
    dataset: Dataset, table: pa.Table, path: storage.Location, name: str
) -> storage.Location:
    """Seed 002's metadata JSON beside a Parquet file: rows, size, schema, column statistics."""
    statistics = {}
    for column in dataset.columns:
        values = table[column.name]
        numeric = pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
        bounds = pc.min_max(values) if numeric else None
        statistics[column.name] = {
            "min": bounds["min"].as_py() if bounds else None,
            "max": bounds["max"].as_py() if bounds else None,
            "mean": pc.mean(values).as_py() if numeric else None,
            "null_count": values.null_count,
        }
    metadata = {
        "dataset_name": name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "row_count": table.num_rows,
        "size_bytes": path.stat().st_size,
        "schema": [
            {"name": f.name, "type": str(f.type), "nullable": table[f.name].null_count > 0}
            for f in table.schema
        ],
        "statistics": statistics,
    }
    target = path.with_name(path.stem + "_metadata.json")
    target.write_text(json.dumps(metadata, indent=2) + "\n")
    return target


_LOW_CARDINALITY = 12


def _log_profile(dataset: Dataset, table: pa.Table, path: storage.Location) -> None:
    """The seed's generator log: rows, category mix, temporal coverage and target file."""
    log.info("%s: %d rows -> %s", dataset.name, table.num_rows, path)
    if table.num_rows == 0:
        return
    for column in dataset.columns:
        values = table[column.name]
        categorical = column.pg_type == "text" or (
            column.name.endswith("_id") and column.pg_type == "integer"
        )
        if categorical:
            counts = pc.value_counts(values)
            if len(counts) <= _LOW_CARDINALITY:
                mix = {
                    str(v["values"]): round(v["counts"] / table.num_rows, 3)
                    for v in counts.to_pylist()
                }
                log.info("  %s mix: %s", column.name, dict(sorted(mix.items())))
        elif re.match(r"date|timestamp", column.pg_type):
            bounds = pc.min_max(values)
            log.info("  %s coverage: %s .. %s", column.name, bounds["min"], bounds["max"])
