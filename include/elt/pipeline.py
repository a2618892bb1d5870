"""The flow of one run, as plain functions: the CLI calls them in a loop, the DAG one per task.

generate -> load_bronze -> validate_bronze -> build_silver -> validate_silver -> build_gold ->
validate_gold -> publish. Every stage writes one row to ``audit.task_runs``, failed or not.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from psycopg2 import sql

from include.elt import generate as gen
from include.elt import load, models, quality
from include.elt.domain import REPO_ROOT, Domain, load_domain
from include.elt.flow import STAGES
from include.elt.warehouse import bootstrap, transaction
from include.elt.window import Window

log = logging.getLogger(__name__)

DATA_DIR_ENV = "ELT_DATA_DIR"


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data")


@dataclass(frozen=True)
class RunContext:
    """Everything a stage needs to know about the run it belongs to."""

    domain_name: str
    run_id: str
    window: Window
    scale: str
    seed: int
    warehouse_url: str = field(repr=False)
    data_dir: Path = field(default_factory=data_dir)
    volumes: dict[str, int] | None = None
    file_format: str = "csv"

    @property
    def domain(self) -> Domain:
        return load_domain(self.domain_name)

    @property
    def run_folder(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.run_id)
        return self.data_dir / "runs" / self.domain_name / safe

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports" / self.domain_name

    @property
    def analytics_log(self) -> Path:
        return self.data_dir / "logs" / self.domain_name / "analytics.log"

    @property
    def gx_dir(self) -> Path:
        return self.data_dir / "great_expectations"


@dataclass
class StageOutcome:
    rows_in: int | None = None
    rows_out: int | None = None
    detail: str = ""


@contextmanager
def audited(ctx: RunContext, task: str) -> Iterator[StageOutcome]:
    """Record the stage in ``audit.task_runs`` whether it succeeds or raises.

    Without a warehouse (``generate`` alone from the CLI) there is nowhere to audit to.
    """
    outcome = StageOutcome()
    if not ctx.warehouse_url:
        yield outcome
        return
    started_at, started = datetime.now(UTC), time.perf_counter()
    status = "failed"
    try:
        bootstrap(ctx.warehouse_url, ctx.domain)
        yield outcome
        status = "success"
    except Exception as exc:
        outcome.detail = f"{type(exc).__name__}: {exc}"[:4000]
        raise
    finally:
        _write_audit(ctx, task, status, outcome, started_at, time.perf_counter() - started)


def _write_audit(ctx, task, status, outcome, started_at, seconds) -> None:
    try:
        with transaction(ctx.warehouse_url) as conn, conn.cursor() as cur:
            cur.execute(
                "insert into audit.task_runs (run_id, domain, task, status, rows_in, rows_out,"
                " started_at, finished_at, duration_seconds, detail)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    ctx.run_id,
                    ctx.domain_name,
                    task,
                    status,
                    outcome.rows_in,
                    outcome.rows_out,
                    started_at,
                    datetime.now(UTC),
                    round(seconds, 3),
                    outcome.detail or None,
                ],
            )
    except Exception:  # the stage's own error, if any, is the one worth raising
        log.exception("could not write the audit row for %s/%s", ctx.run_id, task)


def generate(ctx: RunContext) -> gen.Manifest:
    with audited(ctx, "generate") as outcome:
        manifest = gen.generate(
            ctx.domain,
            ctx.window,
            scale=ctx.scale,
            seed=ctx.seed,
            out_dir=ctx.run_folder,
            volumes=ctx.volumes,
            file_format=ctx.file_format,
        )
        outcome.rows_out = sum(f.rows for f in manifest.files)
        outcome.detail = f"{ctx.window} scale={ctx.scale} seed={ctx.seed} -> {ctx.run_folder}"
    return manifest


def load_bronze(ctx: RunContext) -> list[load.LoadResult]:
    with audited(ctx, "load_bronze") as outcome:
        manifest = gen.Manifest.read(ctx.run_folder)
        outcome.rows_in = sum(f.rows for f in manifest.files)
        results = load.load_manifest(ctx.warehouse_url, ctx.domain, manifest, ctx.run_id)
        outcome.rows_out = sum(r.rows for r in results)
        outcome.detail = report_figures(ctx, "bronze")
    return results


def report_figures(ctx: RunContext, layer: str) -> str:
    """Run the domain's ``sql/<domain>/checks/<layer>.sql`` (figure, value) and log the figures."""
    path = ctx.domain.sql_dir / "checks" / f"{layer}.sql"
    if not path.is_file():
        return ""
    with transaction(ctx.warehouse_url) as conn, conn.cursor() as cur:
        cur.execute(path.read_text())
        figures = cur.fetchall()
    width = max(len(name) for name, _ in figures)
    lines = [f"{name:<{width}}  {value}" for name, value in figures]
    log.info("%s %s figures:\n  %s", ctx.domain_name, layer, "\n  ".join(lines))
    return "; ".join(f"{name}: {value}" for name, value in figures)


def build(ctx: RunContext, layer: str) -> list[models.ModelResult]:
    with audited(ctx, f"build_{layer}") as outcome:
        results = models.build_layer(
            ctx.warehouse_url, ctx.domain, layer, ctx.run_id, ctx.analytics_log
        )
        outcome.rows_out = sum(r.rows for r in results)
        outcome.detail = f"{sum(r.rejected for r in results)} rows rejected"
        figures = report_figures(ctx, layer)
        if figures:
            outcome.detail += f"; {figures}"
    return results


def validate(ctx: RunContext, layer: str) -> quality.LayerValidation:
    with audited(ctx, f"validate_{layer}") as outcome:
        result = quality.validate_layer(
            ctx.warehouse_url, ctx.domain, layer, ctx.run_id, ctx.gx_dir
        )
        outcome.rows_in = result.evaluated
        outcome.rows_out = result.evaluated - len(result.failures)
        outcome.detail = f"{result.evaluated} expectations passed"
    return result


def publish(ctx: RunContext) -> dict[str, Path]:
    """Export the domain's reports from gold and rebuild Data Docs."""
    with audited(ctx, "publish") as outcome:
        ctx.reports_dir.mkdir(parents=True, exist_ok=True)
        written, rows = {}, 0
        for file_name, view in ctx.domain.reports.items():
            target = ctx.reports_dir / file_name
            rows += export_csv(ctx.warehouse_url, "gold", ctx.domain.relation(view), target)
            written[file_name] = target
        docs = quality.build_data_docs(ctx.gx_dir)
        outcome.rows_out = rows
        outcome.detail = f"reports in {ctx.reports_dir}; Data Docs at {docs}"
    log.info("published %d reports and Data Docs at %s", len(written), docs)
    return written


def export_csv(url: str, schema: str, relation: str, target: Path) -> int:
    """COPY a relation to CSV with a header, atomically replacing ``target``."""
    partial = target.with_suffix(target.suffix + ".partial")
    with transaction(url) as conn, conn.cursor() as cur, partial.open("w") as f:
        cur.copy_expert(
            sql.SQL("copy (select * from {}) to stdout with (format csv, header)").format(
                sql.Identifier(schema, relation)
            ),
            f,
        )
        rows = cur.rowcount
    partial.replace(target)
    return rows


STAGE_FUNCTIONS: dict[str, Callable[[RunContext], object]] = {
    "generate": generate,
    "load_bronze": load_bronze,
    "validate_bronze": lambda ctx: validate(ctx, "bronze"),
    "build_silver": lambda ctx: build(ctx, "silver"),
    "validate_silver": lambda ctx: validate(ctx, "silver"),
    "build_gold": lambda ctx: build(ctx, "gold"),
    "validate_gold": lambda ctx: validate(ctx, "gold"),
    "publish": publish,
}


def run(ctx: RunContext, stages: list[str] | None = None) -> None:
    """Run stages in flow order; the first failure stops the run."""
    for name in stages or STAGES:
        log.info("== %s %s: %s", ctx.domain_name, ctx.run_id, name)
        STAGE_FUNCTIONS[name](ctx)
