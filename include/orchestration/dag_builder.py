"""Build a domain's DAG from the platform's stages, in flow order, and from its declarations:

- ``load_bronze``: one task COPYs every dataset's files into ``bronze_stage``, two at a time
  (a task per dataset cost each its own start-up, several times its COPY; the audit keeps a
  row per dataset), then ``commit_bronze`` swaps them all into bronze in one transaction;
- ``build_silver`` and ``build_gold``: a task group per layer, one task per model, wired in the
  order the models ref each other (from the SQL); each layer's gate runs after its whole group;
- every task names the Assets it reads (inlets) and writes (outlets): the Assets view traces
  generated file -> bronze table -> silver model -> gold model -> report;
- ``release_domain``, a teardown, gives the domain's lease back however the run ends;
- a failed run, a recovery and gold not published by the domain's freshness deadline alert
  the operator (:mod:`include.orchestration.alerts`).

Every DAG file is a few lines of configuration calling :func:`build_domain_dag`; the work
itself is in ``include.elt.pipeline``, shared with the CLI.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from airflow.sdk import (
    DAG,
    Asset,
    AsyncCallback,
    Param,
    TaskGroup,
    chain,
    get_current_context,
    task,
)
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference
from airflow.sdk.exceptions import AirflowFailException

from include.elt.contract.domain import Domain, load_domain
from include.elt.contract.models import Model, dependencies, model, models, sources
from include.elt.core.days import resolve_window
from include.elt.core.errors import FinalError
from include.elt.core.runs import (
    DEFAULT_HISTORY_DAYS,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    MAX_SEED,
    MAX_WINDOW_DAYS,
)
from include.elt.core.stages import STAGES, Stage
from include.elt.files.storage import DATA_URL_ENV
from include.elt.stages.report.dashboard import FILE_NAME as DASHBOARD_FILE
from include.orchestration import alerts
from include.orchestration.connections import warehouse

if TYPE_CHECKING:
    from include.elt.pipeline import RunContext

log = logging.getLogger(__name__)

DEFAULT_SCALE_ENV = "ELT_DEFAULT_SCALE"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# A stage that runs longer than this is stuck (a large 60-day window takes minutes); a whole
# run longer than the run timeout is failed, and frees the domain for the next one.
STAGE_TIMEOUT = timedelta(hours=1)
RUN_TIMEOUT = timedelta(hours=6)
# Airflow's run types, as the platform plans them: backfills keep to their interval like
# scheduled runs; anything else is planned like a manual run.
RUN_TYPES = {"scheduled": "scheduled", "backfill": "backfill"}
# The states of a task that did not do its work: the run did not complete (skipped: this DAG
# never skips a task itself; Airflow does when a run is marked failed).
NOT_DONE = {"failed", "upstream_failed", "skipped"}
# What a task logs when it had to import Great Expectations itself: its process was not forked
# from one that preloaded it (plugins/airflow_local_settings.py). The benchmark counts them.
GX_IMPORTED = "imported great_expectations in this task's own process"


# Where the generated files and reports live: the object store's URL, or the data folder as the
# containers see it (docker-compose.yml mounts the elt-data volume there).
DATA_URI = (os.environ.get(DATA_URL_ENV) or "file:///opt/airflow/data").rstrip("/")


def table_asset(layer: str, relation: str) -> Asset:
    return Asset(
        name=f"{layer}.{relation}",
        uri=f"postgres://warehouse:5432/warehouse/{layer}/{relation}",
        group="warehouse",
    )


def file_asset(domain: Domain, dataset: str) -> Asset:
    """A dataset's generated file (each run writes it in its own run folder)."""
    return Asset(
        name=f"file.{domain.relation(dataset)}",
        uri=f"{DATA_URI}/runs/{domain.name}/{dataset}",
        group="generated",
    )


def report_asset(domain: Domain, file_name: str) -> Asset:
    return Asset(
        name=f"report.{domain.name}.{file_name}",
        uri=f"{DATA_URI}/reports/{domain.name}/{file_name}",
        group="reports",
    )


def model_asset(m: Model) -> Asset:
    return table_asset(m.layer, m.relation)


def model_inlets(domain: Domain, m: Model) -> list[Asset]:
    """What a model reads: its bronze sources and the models it refs."""
    return [table_asset("bronze", domain.relation(s)) for s in sources(m)] + [
        model_asset(model(domain, name)) for name in dependencies(m)
    ]


def run_context(domain_name: str) -> RunContext:
    """The run's window, scale and seed from the Airflow context and the trigger form."""
    from include.elt.pipeline import RunContext, data_dir

    context = get_current_context()
    params, dag_run = context["params"], context["dag_run"]
    interval_start, interval_end = (
        context.get("data_interval_start"),
        context.get("data_interval_end"),
    )
    if interval_start is None or interval_end is None:
        # Triggered without a logical date (allowed by the REST API): no data interval, so
        # anchor on the trigger time, as the timetable would: the last complete day.
        interval_end = dag_run.run_after.replace(hour=0, minute=0, second=0, microsecond=0)
        interval_start = interval_end - timedelta(days=1)
    run_type = RUN_TYPES.get(getattr(dag_run.run_type, "value", dag_run.run_type), "manual")
    window = resolve_window(
        interval_start.date(),
        interval_end.date(),
        manual=run_type == "manual",
        window_days=int(params["window_days"]),
        start=params.get("start"),
        end=params.get("end"),
    )
    return RunContext(
        domain_name=domain_name,
        run_id=dag_run.run_id,
        window=window,
        scale=params["scale"],
        seed=int(params["seed"]),
        warehouse=warehouse(),
        data_dir=data_dir(),
        run_type=run_type,
        replace_history=bool(params.get("replace_history")),
        full_refresh=bool(params.get("full_refresh")),
    )


def _final(function, domain_name: str, label: str, *args) -> None:
    """Run a pipeline function on the run's context; a final error fails the task for good,
    a window the run cannot process (found in the context, before anything is held) too."""
    preloaded = "great_expectations" in sys.modules
    try:
        ctx = run_context(domain_name)
        log.info("%s %s: %s run %s", domain_name, label, ctx.run_type, ctx.run_id)
        function(ctx, *args)
    except FinalError as exc:
        # Bad data, a refused plan or a wrong model do not get better by retrying.
        raise AirflowFailException(str(exc)) from exc
    finally:
        if not preloaded and "great_expectations" in sys.modules:
            log.info("%s %s", label, GX_IMPORTED)


def _stage_callable(domain_name: str, stage: str):
    def run_stage() -> None:
        from include.elt.pipeline import run_stage as run

        _final(run, domain_name, stage, stage)

    run_stage.__name__ = stage
    return run_stage


def _model_callable(domain_name: str, name: str):
    def build_model() -> None:
        from include.elt.pipeline import build_model as build

        _final(build, domain_name, f"build {name}", name)

    build_model.__name__ = name
    return build_model


def _release_callable(domain_name: str):
    def release_domain() -> None:
        """The run is over, however it ended: give the domain back (a no-op once published);
        then say how the run ended, as the run's verdict."""
        from include.elt.warehouse.locks import release

        context = get_current_context()
        dag_run = context["dag_run"]
        if release(warehouse().transformer, domain_name, dag_run.run_id):
            log.info("released %s from run %s", domain_name, dag_run.run_id)
        # This teardown's state is the run's (on_failure_fail_dagrun). Left out of the verdict,
        # a run marked failed would end as a success: Airflow keeps it running while its
        # teardown runs, then judges it by its last tasks, which it skipped.
        states = context["ti"].get_task_states(dag_id=dag_run.dag_id, run_ids=[dag_run.run_id])
        unfinished = sorted(
            f"{t} {s}" for t, s in states.get(dag_run.run_id, {}).items() if s in NOT_DONE
        )
        if unfinished:
            raise AirflowFailException(
                f"run {dag_run.run_id} did not complete ({', '.join(unfinished)});"
                f" {domain_name} is given back"
            )

    return release_domain


def _model_group(domain: Domain, layer: str) -> TaskGroup:
    """A task per model of ``layer``, each after the models of the layer it refs."""
    with TaskGroup(group_id=f"build_{layer}", tooltip=f"one task per {layer} model") as group:
        built = {}
        for m in models(domain, layer):  # dependency order: a model's refs are made first
            built[m.name] = task(
                task_id=m.name,
                inlets=model_inlets(domain, m),
                outlets=[model_asset(m)],
                doc_md=f"`{m.qualified}` ({m.materialization}) from `{m.path.name}`: {m.grain}",
            )(_model_callable(domain.name, m.name))()
            for name in dependencies(m):
                if name in built:
                    built[name] >> built[m.name]
    return group


# The first stage that holds the domain's lease: where a run waits while another has it.
LEASE_ENTRY = next(s.name for s in STAGES if s.leased)


def _stage_task(domain: Domain, stage: Stage, assets: dict):
    """A stage's task, or a task group of its models."""
    if stage.parts == "model":
        return _model_group(domain, stage.layer)
    # Runs side by side (a backfill) wait for the domain here one at a time: the others stay
    # scheduled, not a process each sleeping in an executor slot.
    waits = {"max_active_tis_per_dag": 1} if stage.name == LEASE_ENTRY else {}
    return task(task_id=stage.name, **assets, **waits)(_stage_callable(domain.name, stage.name))()


def build_domain_dag(
    domain_name: str,
    *,
    schedule,
    start_date: datetime,
    default_args: dict,
    tags: list[str],
    doc_md: str | None = None,
) -> DAG:
    domain = load_domain(domain_name)
    default_scale = os.environ.get(DEFAULT_SCALE_ENV) or DEFAULT_SCALE
    if default_scale not in domain.scales:
        raise ValueError(
            f"{DEFAULT_SCALE_ENV}={default_scale!r}: {domain_name} has scales {domain.scales}"
        )
    with DAG(
        dag_id=domain_name,
        description=domain.description.strip().splitlines()[0],
        doc_md=doc_md,
        schedule=schedule,
        start_date=start_date,
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=RUN_TIMEOUT,
        is_paused_upon_creation=False,
        default_args={
            "execution_timeout": STAGE_TIMEOUT,
            # Of the tasks ready at once (runs side by side), a later stage first: the run
            # that holds the domain finishes and gives it back before new runs start loading.
            "weight_rule": "upstream",
            **default_args,
        },
        tags=tags,
        # gold stale: a run that has not published its day by the domain's deadline
        deadline=DeadlineAlert(
            reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
            interval=domain.freshness,
            callback=AsyncCallback(alerts.gold_overdue, kwargs={"domain": domain_name}),
            name="gold_freshness",
        ),
        **alerts.dag_callbacks(),
        params={
            "window_days": Param(
                DEFAULT_HISTORY_DAYS,
                type="integer",
                minimum=1,
                maximum=MAX_WINDOW_DAYS,
                title="History days",
                description="Manual runs: days of data ending on the run's data interval. "
                "Scheduled runs always process their own one-day interval.",
            ),
            "start": Param(
                None,
                type=["null", "string"],
                format="date",
                pattern=DATE_PATTERN,
                title="Start date (optional)",
                description="With end: an explicit window instead of the history days.",
            ),
            "end": Param(
                None,
                type=["null", "string"],
                format="date",
                pattern=DATE_PATTERN,
                title="End date (optional)",
            ),
            "scale": Param(
                default_scale,
                enum=list(domain.scales),
                title="Scale",
                description="Data volume: tiny (tests), default, large.",
            ),
            "seed": Param(
                DEFAULT_SEED, type="integer", minimum=0, maximum=MAX_SEED, title="Random seed"
            ),
            "replace_history": Param(
                False,
                type="boolean",
                title="Replace all history",
                description="A manual run in another scale or seed than the domain holds fails"
                " unless this is set: then its bronze, silver and gold are replaced by this run's.",
            ),
            "full_refresh": Param(
                False,
                type="boolean",
                title="Rebuild silver and gold from all of bronze",
                description="Instead of the changed days only (after changing a model's SQL).",
            ),
        },
    ) as dag:
        files = [file_asset(domain, d.name) for d in domain.datasets]
        bronze = [table_asset("bronze", domain.relation(d.name)) for d in domain.datasets]
        # publish puts every staged model in place, then writes the reports and the dashboard
        # from gold
        published = [report_asset(domain, name) for name in domain.reports]
        if domain.dashboard is not None:
            published.append(report_asset(domain, DASHBOARD_FILE))
        gold = [model_asset(m) for m in models(domain, "gold")]

        assets = {
            "generate": {"outlets": files},
            "load_bronze": {"inlets": files},
            "commit_bronze": {"inlets": files, "outlets": bronze},
            "publish": {"inlets": gold, "outlets": published},
        }
        chain(*(_stage_task(domain, stage, assets.get(stage.name, {})) for stage in STAGES))
        # After every task, not only the last ones: a task still running keeps the lease.
        others = list(dag.tasks)
        release = task(task_id=alerts.TEARDOWN)(_release_callable(domain_name))().as_teardown(
            on_failure_fail_dagrun=True
        )
        others >> release
    return dag
