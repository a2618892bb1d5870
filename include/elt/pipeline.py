"""The flow of one run, as plain functions: the CLI calls them in a loop, the DAG one per task.

generate -> load_bronze -> commit_bronze -> validate_bronze -> build_silver -> validate_silver ->
build_gold -> validate_gold -> publish. ``load_bronze`` and the builds come in parts (a
dataset's load, a model's build: the DAG's mapped and grouped tasks, the CLI's loop).
``generate`` decides the run's plan (:mod:`include.elt.runs`) and every later stage reads it.
From ``validate_bronze`` to ``publish`` the run holds the domain's lease
(:mod:`include.elt.warehouse.locks`): silver and gold are built into the stage, validated there and
published together, so a failing gate leaves what readers see untouched. Each stage connects
as the least role it needs and writes one row per task to
``audit.task_runs``, failed or not. Run folders, reports and Data Docs live under one base
location, a local folder or an object store (:mod:`include.elt.storage`). The stages, and what
each connects as and holds, are :data:`include.elt.core.stages.STAGES`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from psycopg2 import sql

from include.elt import dashboard, load, quality, storage, transform
from include.elt import generate as gen
from include.elt.contract.domain import Domain, load_domain
from include.elt.contract.models import Scope, model, models, render_text
from include.elt.core.days import Days
from include.elt.core.errors import FinalError, PlanError
from include.elt.core.runs import RunPlan, World
from include.elt.core.stages import STAGES, Stage, stage
from include.elt.load import ensure_bronze
from include.elt.publish import publish_models
from include.elt.runs import plan_run, record_plan, recorded_plan, safe_name
from include.elt.runs import stored_world as read_stored_world
from include.elt.warehouse import locks
from include.elt.warehouse.connection import Warehouse, transaction

log = logging.getLogger(__name__)


def data_dir() -> storage.Location:
    """The base location of run folders, reports and Data Docs (``ELT_DATA_URL`` or
    ``ELT_DATA_DIR``)."""
    return storage.data_root()


@dataclass(frozen=True)
class RunContext:
    """What a run was asked to do; :func:`plan` says what it does."""

    domain_name: str
    run_id: str
    # The data interval of a scheduled or backfill run; the requested days of a manual run.
    window: Days
    scale: str
    seed: int
    # None: generate alone, without a warehouse (the CLI's `generate`).
    warehouse: Warehouse | None
    # The base location: a local folder, or an object store's (storage.Location).
    data_dir: storage.Location = field(default_factory=data_dir)
    volumes: dict[str, int] | None = None
    file_format: str = "csv"
    run_type: str = "manual"
    replace_history: bool = False
    full_refresh: bool = False

    @cached_property
    def domain(self) -> Domain:
        """Found once per context: finding a domain scans (and may import) the packages."""
        return load_domain(self.domain_name)

    def url(self, task: str) -> str:
        """The warehouse as a stage (or a task of one) connects to it: its role's login."""
        return getattr(self.warehouse, stage(task).role)

    @property
    def run_folder(self) -> storage.Location:
        base = (self.data_dir / "runs" / self.domain_name).resolve()
        folder = (base / safe_name(self.run_id)).resolve()
        if folder.parent != base:  # cannot happen with a safe name: a last guard all the same
            raise PlanError(f"run id {self.run_id!r} would write outside {base}")
        return folder

    @property
    def reports_dir(self) -> storage.Location:
        return self.data_dir / "reports" / self.domain_name

    @property
    def analytics_log(self) -> Path:
        """A local file even when the base is an object store: it is appended to."""
        return storage.log_dir(self.data_dir) / self.domain_name / "analytics.log"

    @property
    def gx_dir(self) -> storage.Location:
        return self.data_dir / "great_expectations"


@dataclass
class StageOutcome:
    rows_in: int | None = None
    rows_out: int | None = None
    detail: str = ""


@contextmanager
def audited(ctx: RunContext, task: str) -> Iterator[StageOutcome]:
    """Record ``task`` (a stage, or a part of one: a dataset's load, a model's build) in
    ``audit.task_runs`` whether it succeeds or raises; a task of a leased stage holds the
    domain's lease while it runs, and gives it back if the run cannot go on.

    Without a warehouse (``generate`` alone from the CLI) there is nowhere to audit to.
    """
    outcome = StageOutcome()
    if ctx.warehouse is None:
        yield outcome
        return
    url, leased = ctx.url(task), stage(task).leased
    started_at, started = datetime.now(UTC), time.perf_counter()
    status = "failed"
    try:
        if leased:
            locks.acquire(url, ctx.domain_name, ctx.run_id)
        yield outcome
        status = "success"
    except Exception as exc:
        outcome.detail = f"{type(exc).__name__}: {exc}"[:4000]
        if leased and isinstance(exc, FinalError):
            locks.release(url, ctx.domain_name, ctx.run_id)
        raise
    finally:
        _write_audit(ctx, url, task, status, outcome, started_at, time.perf_counter() - started)


def _write_audit(ctx, url, task, status, outcome, started_at, seconds) -> None:
    try:
        with transaction(url) as conn, conn.cursor() as cur:
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
    except Exception as exc:  # the stage's own error, if any, is the one worth raising
        log.warning("could not write the audit row for %s/%s: %s", ctx.run_id, task, exc)


def plan(ctx: RunContext, task: str) -> RunPlan:
    """The run's plan, as its generate (or, after an offline generate, its load) recorded it."""
    with transaction(ctx.url(task)) as conn, conn.cursor() as cur:
        recorded = recorded_plan(cur, ctx.domain, ctx.run_id)
    if recorded is None:
        raise PlanError(
            f"{ctx.domain_name} has no plan for run {ctx.run_id!r}: its generate and load"
            f" stages record it, so run them first (or name the run they ran as)"
        )
    return recorded


def make_plan(ctx: RunContext) -> RunPlan:
    """Decide the run's world and days from the request and the stored world; record it."""
    domain = ctx.domain
    requested = dict(
        run_type=ctx.run_type,
        window=ctx.window,
        world=World.of(ctx.scale, ctx.seed, ctx.volumes),
        replace_history=ctx.replace_history,
        full_refresh=ctx.full_refresh,
    )
    if ctx.warehouse is None:  # generate alone: no warehouse, no stored world
        return plan_run(domain, stored=None, **requested)
    with transaction(ctx.url("generate")) as conn, conn.cursor() as cur:
        decided = plan_run(domain, stored=read_stored_world(cur, domain), **requested)
        record_plan(cur, domain, ctx.run_id, decided)
    return decided


def generate(ctx: RunContext) -> gen.Manifest:
    with audited(ctx, "generate") as outcome:
        decided = make_plan(ctx)
        log.info("%s %s: %s", ctx.domain_name, ctx.run_id, decided.describe())
        manifest = gen.generate(
            ctx.domain,
            decided.window,
            scale=decided.world.scale,
            seed=decided.world.seed,
            out_dir=ctx.run_folder,
            volumes=decided.world.volume_counts,
            file_format=ctx.file_format,
            plan=decided,
        )
        outcome.rows_out = sum(f.rows for f in manifest.files)
        outcome.detail = f"{decided.describe()} -> {ctx.run_folder}"
    return manifest


def load_bronze(ctx: RunContext, dataset: str | None = None) -> None:
    """Stage the run's files in ``bronze_stage``: one dataset's (the DAG maps a task over the
    datasets), or all of them, the largest first, two at a time."""
    manifest = gen.Manifest.read(ctx.run_folder)
    ensure_bronze(ctx.url("load_bronze"), ctx.domain)
    if dataset is not None:
        load_dataset(ctx, manifest, dataset)
    else:
        load.stage_every_dataset(manifest, lambda name: load_dataset(ctx, manifest, name))


def load_dataset(ctx: RunContext, manifest: gen.Manifest, dataset: str) -> None:
    with audited(ctx, f"load_bronze[{dataset}]") as outcome:
        url = ctx.url("load_bronze")
        rows = load.load_dataset(url, ctx.domain, manifest, dataset, ctx.run_id)
        outcome.rows_in = outcome.rows_out = sum(rows)
        outcome.detail = f"staged in {load.STAGING_SCHEMA}"


def commit_bronze(ctx: RunContext) -> list[load.LoadResult]:
    """Swap the staged files into bronze in one transaction, and report bronze's figures."""
    with audited(ctx, "commit_bronze") as outcome:
        manifest = gen.Manifest.read(ctx.run_folder)
        outcome.rows_in = sum(f.rows for f in manifest.files)
        url = ctx.url("commit_bronze")
        ensure_bronze(url, ctx.domain)
        results = load.commit(url, ctx.domain, manifest, ctx.run_id)
        quality.prepare_bronze_batches(url, ctx.domain, ctx.run_id)
        outcome.rows_out = sum(r.rows for r in results)
        outcome.detail = report_figures(ctx, "bronze", url)
    return results


def report_figures(ctx: RunContext, layer: str, url: str) -> str:
    """Run the domain's ``sql/<domain>/checks/<layer>.sql`` (figure, value) and log the figures."""
    path = ctx.domain.sql_dir / "checks" / f"{layer}.sql"
    if not path.is_file():
        return ""
    with transaction(url) as conn, conn.cursor() as cur:
        scope = Scope(staged=frozenset(transform.staged_by(url, ctx.domain, ctx.run_id)))
        cur.execute(
            render_text(
                ctx.domain, path.read_text(), scope, lambda c: c.as_string(cur), where=str(path)
            )
        )
        figures = cur.fetchall()
    if not figures:  # nothing to report (an empty day): not an error
        return ""
    width = max(len(name) for name, _ in figures)
    lines = [f"{name:<{width}}  {value}" for name, value in figures]
    log.info("%s %s figures:\n  %s", ctx.domain_name, layer, "\n  ".join(lines))
    return "; ".join(f"{name}: {value}" for name, value in figures)


def changes(ctx: RunContext, url: str, decided: RunPlan) -> transform.Changes | None:
    """What the run changed upstream of its models (``None``: rebuild them whole)."""
    if decided.full_refresh:
        return None
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select dataset, first_day, last_day from audit.loads"
            " where domain = %s and run_id = %s and first_day is not null",
            [ctx.domain_name, ctx.run_id],
        )
        loaded = {d: Days(first, last) for d, first, last in cur.fetchall()}
    return transform.Changes(decided.window, loaded)


def build(ctx: RunContext, layer: str) -> list[transform.ModelResult]:
    """Build a layer's models into its stage, in dependency order (the DAG: a task per model)."""
    return [build_model(ctx, m.name) for m in models(ctx.domain, layer)]


def build_model(ctx: RunContext, name: str) -> transform.ModelResult:
    m = model(ctx.domain, name)
    task = f"build_{m.layer}.{name}"
    with audited(ctx, task) as outcome:
        url = ctx.url(task)
        result = transform.build_one(
            url,
            ctx.domain,
            m,
            ctx.run_id,
            changes(ctx, url, plan(ctx, task)),
            analytics_log=ctx.analytics_log,
        )
        outcome.rows_out = result.rows
        outcome.detail = (
            f"{result.materialization} ({result.span}), {result.rejected} rows rejected"
        )
    return result


def validate(ctx: RunContext, layer: str) -> quality.LayerValidation:
    """Gate the layer's staged rows; silver and gold also report their figures (bronze's come
    with its commit)."""
    task = f"validate_{layer}"
    with audited(ctx, task) as outcome:
        url = ctx.url(task)
        figures = report_figures(ctx, layer, url) if layer != "bronze" else ""
        result = quality.validate_layer(
            url,
            ctx.domain,
            layer,
            ctx.run_id,
            ctx.gx_dir,
            full_refresh=plan(ctx, task).full_refresh,
        )
        outcome.rows_in = result.evaluated
        outcome.rows_out = result.evaluated - len(result.failures)
        outcome.detail = f"{result.evaluated} expectations passed"
        if figures:
            outcome.detail += f"; {figures}"
    return result


def publish(ctx: RunContext) -> dict[str, storage.Location]:
    """Publish the staged silver and gold, then export the reports, draw the dashboard and
    render Data Docs. The dashboard is drawn before the domain is given back, so what it shows
    is what this run published."""
    with audited(ctx, "publish") as outcome:
        url = ctx.url("publish")
        published = publish_models(url, ctx.domain, ctx.run_id)
        ctx.reports_dir.mkdir(parents=True, exist_ok=True)
        written, rows = {}, 0
        for file_name, view in ctx.domain.reports.items():
            target = ctx.reports_dir / file_name
            rows += export_csv(url, "gold", ctx.domain.relation(view), target)
            written[file_name] = target
        board = ctx.reports_dir / dashboard.FILE_NAME
        charts = dashboard.render_dashboard(url, ctx.domain, ctx.run_id, board)
        if charts:
            written[board.name] = board
        docs = quality.build_data_docs(ctx.gx_dir, ctx.run_id)
        locks.release(url, ctx.domain_name, ctx.run_id)
        outcome.rows_in = sum(p.rows for p in published)
        outcome.rows_out = rows
        drawn = f"a dashboard of {charts} charts at {board}" if charts else "no dashboard"
        outcome.detail = (
            f"published {len(published)} models; reports in {ctx.reports_dir}; {drawn};"
            f" Data Docs at {docs}"
        )
    log.info(
        "published %d models, %d reports, %s and Data Docs at %s",
        len(published),
        len(ctx.domain.reports),
        drawn,
        docs,
    )
    return written


def export_csv(url: str, schema: str, relation: str, target: storage.Location) -> int:
    """COPY a relation to CSV with a header, streamed into ``target``, which is replaced whole
    or not at all (a local file by a rename, an object by its one upload)."""
    with (
        storage.replacing(target) as f,
        transaction(url) as conn,
        conn.cursor() as cur,
    ):
        cur.copy_expert(
            sql.SQL("copy (select * from {}) to stdout with (format csv, header)").format(
                sql.Identifier(schema, relation)
            ),
            f,
        )
        rows = cur.rowcount
    return rows


# What each action of the stage table does; build and validate work on the stage's layer.
ACTIONS: dict[str, Callable[[RunContext, Stage], object]] = {
    "generate": lambda ctx, _: generate(ctx),
    "load": lambda ctx, _: load_bronze(ctx),
    "commit": lambda ctx, _: commit_bronze(ctx),
    "validate": lambda ctx, s: validate(ctx, s.layer),
    "build": lambda ctx, s: build(ctx, s.layer),
    "publish": lambda ctx, _: publish(ctx),
}


def run_stage(ctx: RunContext, name: str) -> object:
    """Run one stage of the table, by its name."""
    return ACTIONS[stage(name).action](ctx, stage(name))


def run(ctx: RunContext, stages: list[str] | None = None) -> None:
    """Run stages in flow order (all of them by default); the first failure stops the run (and
    frees the domain)."""
    try:
        for name in stages or [s.name for s in STAGES]:
            log.info("== %s %s: %s", ctx.domain_name, ctx.run_id, name)
            run_stage(ctx, name)
    except Exception:
        if ctx.warehouse is not None:
            release_quietly(ctx)
        raise


def release_quietly(ctx: RunContext) -> None:
    """Give the domain back after a run failed for good (best effort: the error is what matters)."""
    try:
        locks.release(ctx.url("publish"), ctx.domain_name, ctx.run_id)
    except Exception:
        log.warning("could not release the %s lease of %s", ctx.domain_name, ctx.run_id)
