"""Generate stage: run a domain's generator for a window and write one file per dataset."""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from include.elt.domain import Domain, Partition
from include.elt.schema import Dataset
from include.elt.window import Window

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_ARROW_TYPES = {
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "text": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "boolean": pa.bool_(),
    "double precision": pa.float64(),
}


def arrow_type(pg_type: str) -> pa.DataType:
    if pg_type.startswith("numeric"):
        return pa.float64()
    return _ARROW_TYPES[pg_type]


def arrow_schema(dataset: Dataset) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, arrow_type(c.pg_type), nullable=c.nullable) for c in dataset.columns]
    )


@dataclass(frozen=True)
class FileEntry:
    dataset: str
    file: str
    rows: int
    first_day: str | None
    last_day: str | None


@dataclass(frozen=True)
class Manifest:
    """What one generate run wrote: the input of the load stage."""

    domain: str
    window: str
    scale: str
    seed: int
    files: tuple[FileEntry, ...]
    folder: str

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = Path(folder) / MANIFEST
        if not path.is_file():
            raise FileNotFoundError(
                f"no {MANIFEST} in {folder}: run the generate stage for this run first"
            )
        raw = json.loads(path.read_text())
        files = tuple(FileEntry(**f) for f in raw.pop("files"))
        return cls(files=files, folder=str(folder), **raw)

    def path_of(self, entry: FileEntry) -> Path:
        return Path(self.folder) / entry.file


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


def generate(domain: Domain, window: Window, *, scale: str, seed: int, out_dir: Path) -> Manifest:
    """Write every dataset of ``domain`` for ``window`` under ``out_dir`` (replacing it whole).

    Files are written to a sibling temporary folder and renamed into place, so a failure never
    leaves a partial run folder behind.
    """
    if window.start < domain.earliest_day:
        raise ValueError(
            f"{domain.name}: window {window} starts before its earliest day {domain.earliest_day}"
        )
    started = time.perf_counter()
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    partitions = domain.generate(window, scale=scale, seed=seed)
    entries = []
    for dataset in domain.datasets:
        if dataset.name not in partitions:
            raise ValueError(f"{domain.name} generator produced no {dataset.name!r}")
        part: Partition = partitions[dataset.name]
        table = conform(dataset, part.table)
        file = f"{dataset.name}.csv"
        pacsv.write_csv(table, staging / file)
        entries.append(
            FileEntry(
                dataset=dataset.name,
                file=file,
                rows=table.num_rows,
                first_day=_iso(part.first_day),
                last_day=_iso(part.last_day),
            )
        )
        _log_profile(dataset, table, out_dir / file)
    manifest = Manifest(
        domain=domain.name,
        window=str(window),
        scale=scale,
        seed=seed,
        files=tuple(entries),
        folder=str(out_dir),
    )
    payload = asdict(manifest)
    payload.pop("folder")
    (staging / MANIFEST).write_text(json.dumps(payload, indent=2) + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
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


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


_LOW_CARDINALITY = 12


def _log_profile(dataset: Dataset, table: pa.Table, path: Path) -> None:
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
