"""Transform stage: build a layer's SQL models, one ``select`` per file.

``sql/<domain>/<layer>/<name>.sql`` becomes ``<layer>.<domain>_<name>``. A model that returns a
``reject_reason`` column routes its rows: null reason to the table, any other to
``silver.rejects`` with the reason and the whole record. Tables are refilled in one transaction
(readers never see them half-built); views are dropped and re-created from the file each run.
A first-line comment ``-- materialized: view|table`` overrides the layer's default.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from psycopg2 import sql

from include.elt.domain import REPO_ROOT, Domain
from include.elt.warehouse import transaction

log = logging.getLogger(__name__)

DEFAULT_MATERIALIZATION = {"silver": "table", "gold": "view"}
REJECT_COLUMN = "reject_reason"
_MATERIALIZED = re.compile(r"^--\s*materialized:\s*(view|table)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ModelResult:
    relation: str
    sql_file: str
    materialized: str
    rows: int
    rejected: int
    seconds: float


def build_layer(
    url: str, domain: Domain, layer: str, run_id: str, analytics_log: Path | None = None
) -> list[ModelResult]:
    results = []
    for path in domain.models(layer):
        result = build_model(url, domain, layer, path, run_id)
        results.append(result)
        if analytics_log is not None:
            _append_analytics_log(analytics_log, result)
    return results


def materialization(layer: str, text: str) -> str:
    match = _MATERIALIZED.search(text)
    return match.group(1) if match else DEFAULT_MATERIALIZATION[layer]


def build_model(url: str, domain: Domain, layer: str, path: Path, run_id: str) -> ModelResult:
    text = path.read_text().strip().rstrip(";")
    kind = materialization(layer, text)
    name = domain.relation(path.stem)
    relation = sql.Identifier(layer, name)
    query = sql.SQL(text)
    started = time.perf_counter()
    rejected = 0
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"{layer}.{name}"])
        if kind == "view":
            cur.execute(sql.SQL("drop view if exists {} cascade").format(relation))
            cur.execute(sql.SQL("create view {} as {}").format(relation, query))
        else:
            rejected = _refill_table(cur, domain, layer, name, query, run_id)
        cur.execute(sql.SQL("select count(*) from {}").format(relation))
        rows = cur.fetchone()[0]
        cur.execute(
            "insert into audit.model_builds"
            " (run_id, domain, relation, sql_file, materialized, row_count, rejected_count)"
            " values (%s, %s, %s, %s, %s, %s, %s)",
            [run_id, domain.name, f"{layer}.{name}", _repo_path(path), kind, rows, rejected],
        )
    result = ModelResult(
        f"{layer}.{name}", _repo_path(path), kind, rows, rejected, time.perf_counter() - started
    )
    log.info(
        "%s %s from %s: %d rows, %d rejected, %.2fs",
        kind,
        result.relation,
        result.sql_file,
        rows,
        rejected,
        result.seconds,
    )
    return result


def _refill_table(cur, domain: Domain, layer: str, name: str, query: sql.SQL, run_id: str) -> int:
    cur.execute(sql.SQL("create temp table _model on commit drop as {}").format(query))
    columns = _columns(cur, "pg_temp._model")
    routes_rejects = REJECT_COLUMN in {c for c, _ in columns}
    kept = [(c, t) for c, t in columns if c != REJECT_COLUMN]
    table = sql.Identifier(layer, name)
    existing = _columns(cur, f"{layer}.{name}")
    if existing and existing != kept:
        log.warning("%s.%s changed shape: re-creating it", layer, name)
        cur.execute(sql.SQL("drop table {} cascade").format(table))
        existing = []
    select_kept = sql.SQL(", ").join(sql.Identifier(c) for c, _ in kept)
    if not existing:
        cur.execute(
            sql.SQL("create table {} as select {} from _model with no data").format(
                table, select_kept
            )
        )
    cur.execute(sql.SQL("truncate {}").format(table))
    keep_rows = sql.SQL(" where {} is null").format(sql.Identifier(REJECT_COLUMN))
    cur.execute(
        sql.SQL("insert into {} select {} from _model{}").format(
            table, select_kept, keep_rows if routes_rejects else sql.SQL("")
        )
    )
    rejected = 0
    if routes_rejects:
        cur.execute(
            "delete from silver.rejects where domain = %s and table_name = %s",
            [domain.name, f"{layer}.{name}"],
        )
        cur.execute(
            "insert into silver.rejects (domain, table_name, reason, record, run_id)"
            " select %s, %s, reject_reason, to_jsonb(m) - 'reject_reason', %s"
            " from _model as m where reject_reason is not null",
            [domain.name, f"{layer}.{name}", run_id],
        )
        rejected = cur.rowcount
    cur.execute(sql.SQL("analyze {}").format(table))
    return rejected


def _columns(cur, relation: str) -> list[tuple[str, str]]:
    cur.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute"
        " where attrelid = to_regclass(%s) and attnum > 0 and not attisdropped order by attnum",
        [relation],
    )
    return [tuple(r) for r in cur.fetchall()]


def _repo_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _append_analytics_log(log_path: Path, result: ModelResult) -> None:
    """The seed's ``analytics.log``: when each relation was compiled, from which file, how big."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with log_path.open("a") as f:
        f.write(
            f"{stamp} compiled {result.materialized} {result.relation}"
            f" from {result.sql_file}: {result.rows} rows\n"
        )
