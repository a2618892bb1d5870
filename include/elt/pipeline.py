"""The flow of one run, composed of the stages: the CLI calls it in a loop, the DAG a stage (or
a part of one) per task.

generate -> load_bronze -> commit_bronze -> validate_bronze -> build_silver -> validate_silver ->
build_gold -> validate_gold -> publish: the stage table, :data:`include.elt.core.stages.STAGES`,
says what each does, the warehouse role it connects as and whether it holds the domain's lease.
``load_bronze`` and the builds come in parts (a dataset's load, a model's build: the DAG's
tasks per model, the CLI's loop), each with its own audit row. ``generate`` decides the run's plan
(:mod:`include.elt.stages.plan`) and every later stage reads it. From ``validate_bronze`` to
``publish`` the run holds the domain's lease (:mod:`include.elt.warehouse.locks`): silver and
gold are built into the stage, validated there and published together, so a failing gate
leaves what readers see untouched. Every task writes one row to ``audit.task_runs``, failed or
not. Run folders, reports and Data Docs live under one base location, a local folder or an
object store (:mod:`include.elt.files.storage`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import psycopg2

from include.elt.contract.domain import Domain, load_domain
from include.elt.contract.models import model, models
from include.elt.core.days import Days
from include.elt.core.errors import FinalError, PlanError
from include.elt.core.runs import RunPlan, World
from include.elt.core.stages import STAGES, Stage, stage
from include.elt.files import storage
from include.elt.files.manifest import Manifest
from include.elt.stages import generate as generating
from include.elt.stages.load import bronze, commit, staging
from include.elt.stages.materialize import builder, publisher
from include.elt.stages.plan import plan_run
from include.elt.stages.report import analytics_log, dashboard, export, figures
from include.elt.stages.validate import checkpoint, data_docs
from include.elt.warehouse import ledger, locks
from include.elt.warehouse.connection import Warehouse, transaction
from include.elt.warehouse.ledger import ModelBuild

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
        return storage.run_folder(self.data_dir, self.domain_name, self.run_id)

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
    gate: dict | None = None  # a failed gate's expectations (QualityError.gate)


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
        outcome.gate = getattr(exc, "gate", None)
        if leased and isinstance(exc, FinalError):
            locks.release(url, ctx.domain_name, ctx.run_id)
        raise
    finally:
        _write_audit(ctx, url, task, status, outcome, started_at, time.perf_counter() - started)


# How long a task that lost the warehouse (a restart) waits for it to come back to write its
# audit row: a restart takes seconds; a warehouse gone for longer fails the task without it.
AUDIT_WAIT_SECONDS = 30


def _write_audit(ctx, url, task, status, outcome, started_at, seconds) -> None:
    deadline, pause = time.monotonic() + AUDIT_WAIT_SECONDS, 0.5
    while not _wrote_audit(ctx, url, task, status, outcome, started_at, seconds):
        if time.monotonic() + pause > deadline:
            log.warning("gave up writing the audit row for %s/%s", ctx.run_id, task)
            return
        time.sleep(pause)
        pause = min(pause * 2, 4)


def _wrote_audit(ctx, url, task, status, outcome, started_at, seconds) -> bool:
    """Whether the row is written, or will never be (``False``: the warehouse is out of reach,
    worth another try)."""
    try:
        with transaction(url) as conn, conn.cursor() as cur:
            ledger.record_task(
                cur,
                ctx.run_id,
                ctx.domain_name,
                task,
                status=status,
                rows_in=outcome.rows_in,
                rows_out=outcome.rows_out,
                started_at=started_at,
                finished_at=datetime.now(UTC),
                seconds=round(seconds, 3),
                detail=outcome.detail or None,
                gate=outcome.gate,
            )
    except psycopg2.OperationalError as exc:
        if "authentication" not in str(exc):  # a login refused does not come back
            log.warning("the warehouse is out of reach for %s's audit row: %s", task, exc)
            return False
        log.warning("could not write the audit row for %s/%s: %s", ctx.run_id, task, exc)
    except Exception as exc:  # the stage's own error, if any, is the one worth raising
        log.warning("could not write the audit row for %s/%s: %s", ctx.run_id, task, exc)
    return True


def plan(ctx: RunContext, task: str) -> RunPlan:
    """The run's plan, as its generate (or, after an offline generate, its load) recorded it."""
    with transaction(ctx.url(task)) as conn, conn.cursor() as cur:
        return _recorded_plan(ctx, cur)


def _recorded_plan(ctx: RunContext, cur) -> RunPlan:
    recorded = ledger.recorded_plan(cur, ctx.domain_name, ctx.run_id)
    if recorded is None:
        raise PlanError(
            f"{ctx.domain_name} has no plan for run {ctx.run_id!r}: its generate and load"
            f" stages record it, so run them first (or name the run they ran as)"
        )
    return recorded


def make_plan(ctx: RunContext) -> RunPlan:
    """Decide the run's world and days from the request and the stored world; record it."""
    requested = dict(
        run_type=ctx.run_type,
        window=ctx.window,
        world=World.of(ctx.scale, ctx.seed, ctx.volumes),
        replace_history=ctx.replace_history,
        full_refresh=ctx.full_refresh,
    )
    if ctx.warehouse is None:  # generate alone: no warehouse, no stored world
        return plan_run(ctx.domain, stored=None, **requested)
    with transaction(ctx.url("generate")) as conn, conn.cursor() as cur:
        stored = ledger.stored_world(cur, ctx.domain_name)
        decided = plan_run(ctx.domain, stored=stored, **requested)
        ledger.record_plan(cur, ctx.domain_name, ctx.run_id, decided)
    return decided


def generate(ctx: RunContext) -> Manifest:
    with audited(ctx, "generate") as outcome:
        decided = make_plan(ctx)
        log.info("%s %s: %s", ctx.domain_name, ctx.run_id, decided.describe())
        manifest = generating.generate(
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
    manifest = Manifest.read(ctx.run_folder)
    bronze.ensure_bronze(ctx.url("load_bronze"), ctx.domain)
    if dataset is not None:
        _stage_dataset(ctx, manifest, dataset)
    else:
        staging.stage_every_dataset(manifest, lambda name: _stage_dataset(ctx, manifest, name))


def _stage_dataset(ctx: RunContext, manifest: Manifest, dataset: str) -> None:
    task = f"load_bronze[{dataset}]"
    with audited(ctx, task) as outcome:
        rows = staging.stage_dataset(ctx.url(task), ctx.domain, manifest, dataset, ctx.run_id)
        outcome.rows_in = outcome.rows_out = sum(rows)
        outcome.detail = f"staged in {staging.STAGING_SCHEMA}"


def commit_bronze(ctx: RunContext) -> list[commit.LoadResult]:
    """Swap the staged files into bronze in one transaction, with the run's own bronze gate
    batches, and report bronze's figures. A retry after it committed changes nothing."""
    with audited(ctx, "commit_bronze") as outcome:
        manifest = Manifest.read(ctx.run_folder)
        outcome.rows_in = sum(f.rows for f in manifest.files)
        url = ctx.url("commit_bronze")
        bronze.ensure_bronze(url, ctx.domain)
        results = commit.commit(url, ctx.domain, manifest, ctx.run_id)
        outcome.rows_out = sum(r.rows for r in results)
        outcome.detail = figures.report_figures(url, ctx.domain, ctx.run_id, "bronze")
    return results


def changes(ctx: RunContext, task: str) -> builder.Changes | None:
    """What the run changed upstream of its models, by its plan and its loads (``None``: a
    run that rebuilds them whole)."""
    with transaction(ctx.url(task)) as conn, conn.cursor() as cur:
        decided = _recorded_plan(ctx, cur)
        if decided.full_refresh:
            return None
        loaded = ledger.loaded_days(cur, ctx.domain_name, ctx.run_id)
    return builder.Changes(decided.window, {d: days for d, days in loaded.items() if days})


def build(ctx: RunContext, layer: str) -> list[ModelBuild]:
    """Build a layer's models into its stage, in dependency order (the DAG: a task per model)."""
    return [build_model(ctx, m.name) for m in models(ctx.domain, layer)]


def build_model(ctx: RunContext, name: str) -> ModelBuild:
    """Build one model into its stage, and log it (with a preview of gold) in the analytics
    log."""
    m = model(ctx.domain, name)
    task = f"build_{m.layer}.{name}"
    with audited(ctx, task) as outcome:
        changed = changes(ctx, task)
        built, preview = builder.build(
            ctx.url(task),
            ctx.domain,
            m,
            ctx.run_id,
            changed,
            preview_rows=analytics_log.preview_rows(m.layer),
        )
        analytics_log.log_compiled(ctx.analytics_log, built, preview)
        outcome.rows_out = built.rows
        outcome.detail = f"{built.materialization} ({built.span}), {built.rejected} rows rejected"
    return built


def validate(ctx: RunContext, layer: str) -> checkpoint.LayerValidation:
    """Gate the layer's staged rows; silver and gold also report their figures (bronze's come
    with its commit)."""
    task = f"validate_{layer}"
    with audited(ctx, task) as outcome:
        url = ctx.url(task)
        shown = (
            figures.report_figures(url, ctx.domain, ctx.run_id, layer) if layer != "bronze" else ""
        )
        result = checkpoint.validate_layer(
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
        if shown:
            outcome.detail += f"; {shown}"
    return result


def publish(ctx: RunContext) -> dict[str, storage.Location]:
    """Publish the staged silver and gold, then export the reports, draw the dashboard, give the
    domain back and render Data Docs. The dashboard is drawn before the domain is given back, so
    what it shows is what this run published."""
    with audited(ctx, "publish") as outcome:
        url = ctx.url("publish")
        published = publisher.publish(url, ctx.domain, ctx.run_id)
        written, rows = export.export_reports(url, ctx.domain, ctx.reports_dir)
        board = ctx.reports_dir / dashboard.FILE_NAME
        charts = dashboard.render_dashboard(url, ctx.domain, ctx.run_id, board)
        if charts:
            written[board.name] = board
        # Data Docs render this run's stored results, which no other run changes: the domain
        # is given back first, so a run waiting for it (a backfill's next day) goes on meanwhile.
        locks.release(url, ctx.domain_name, ctx.run_id)
        docs = data_docs.build_data_docs(ctx.gx_dir, ctx.run_id)
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
