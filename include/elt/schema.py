"""Dataset declarations: the one place a table's columns and types are written down.

DDL, the CSV writer, the loader and the expectations all read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg2 import sql

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


def bronze_ddl(schema: str, table: str, dataset: Dataset) -> sql.Composed:
    """``create table`` for a bronze table: declared columns plus lineage from session settings.

    The lineage defaults let the loader COPY straight into the table (one pass over the data)
    while every row still records which run and file it came from.
    """
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in dataset.columns
    ]
    columns += [
        sql.SQL("_run_id text not null default current_setting('elt.run_id')"),
        sql.SQL("_source_file text not null default current_setting('elt.source_file')"),
        sql.SQL("_loaded_at timestamptz not null default now()"),
    ]
    statements = [
        sql.SQL("create table if not exists {} ({})").format(
            sql.Identifier(schema, table), sql.SQL(", ").join(columns)
        )
    ]
    if dataset.partition_column:
        statements.append(
            sql.SQL("create index if not exists {} on {} ({})").format(
                sql.Identifier(f"{table}_{dataset.partition_column}_idx"),
                sql.Identifier(schema, table),
                sql.Identifier(dataset.partition_column),
            )
        )
    return sql.SQL(";\n").join(statements)
