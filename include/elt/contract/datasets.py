"""Dataset declarations: the one place a bronze table's columns and types are written down.

DDL, the CSV writer, the loader and the expectations all read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LINEAGE_COLUMNS = ("_run_id", "_source_file", "_loaded_at")


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    nullable: bool = False
    description: str = ""


@dataclass(frozen=True)
class Dataset:
    """A bronze table: its columns, its key and the date column that partitions it by day.

    ``partition_column`` is ``None`` for reference data (a catalog) that is replaced whole.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partition_column: str | None = None
    description: str = ""
    foreign_keys: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if not c.nullable]
