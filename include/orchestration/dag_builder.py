"""Build a domain's DAG from the platform's stages: one task per stage, in flow order.

Every DAG file is a few lines of configuration calling :func:`build_domain_dag`; the work
itself is in ``include.elt.pipeline``, shared with the CLI.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from airflow.sdk import DAG, Asset, BaseHook, Param, chain, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from include.elt.domain import Domain, load_domain
from include.elt.flow import STAGES
from include.elt.models import models
from include.elt.runs import MAX_WINDOW_DAYS
from include.elt.window import resolve_window

if TYPE_CHECKING:
    from include.elt.pipeline import RunContext

log = logging.getLogger(__name__)

# The Airflow connection of each warehouse role (AIRFLOW_CONN_WAREHOUSE_LOADER, ...).
WAREHOUSE_CONN_IDS = {role: f"warehouse_{role}" for role in ("loader", "transformer", "validator")}
DEFAULT_SCALE_ENV = "ELT_DEFAULT_SCALE"
DEFAULT_WINDOW_DAYS = 60
DEFAULT_SEED = 42
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# A stage that runs longer than this is stuck (a large 60-day window takes minutes); a whole
# run longer than the run timeout is failed, and frees the domain for the next one.
STAGE_TIMEOUT = timedelta(hours=1)
RUN_TIMEOUT = timedelta(hours=6)
# Airflow's run types, as the platform plans them: backfills keep to their interval like
# scheduled runs; anything else is planned like a manual run.
RUN_TYPES = {"scheduled": "scheduled", "backfill": "backfill"}


def table_asset(layer: str, relation: str) -> Asset:
    return Asset(
        name=f"{layer}.{relation}",
        uri=f"postgres://warehouse:5432/warehouse/{layer}/{relation}",
        group="warehouse",
    )


def _outlets(domain: Domain) -> dict[str, list[Asset]]:
    return {
        "load_bronze": [table_asset("bronze", domain.relation(d.name)) for d in domain.datasets],
        "build_silver": [table_asset(m.layer, m.relation) for m in models(domain, "silver")],
        "build_gold": [table_asset(m.layer, m.relation) for m in models(domain, "gold")],
    }


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


def warehouse():
    """The warehouse as each stage's role reaches it, from the Airflow connections."""
    from include.elt.warehouse import Warehouse

    return Warehouse(
        **{
            role: BaseHook.get_connection(conn_id).get_uri()
            for role, conn_id in WAREHOUSE_CONN_IDS.items()
        }
    )


def _stage_callable(domain_name: str, stage: str):
    def run_stage() -> None:
        from include.elt.pipeline import FINAL_ERRORS, STAGE_FUNCTIONS

        ctx = run_context(domain_name)
        log.info("%s %s: %s run %s", domain_name, stage, ctx.run_type, ctx.run_id)
        try:
            STAGE_FUNCTIONS[stage](ctx)
        except FINAL_ERRORS as exc:
            # Bad data, a refused plan or a wrong model do not get better by retrying.
            raise AirflowFailException(str(exc)) from exc

    run_stage.__name__ = stage
    return run_stage


def _release_domain(context) -> None:
    """A task failed for good (no retry left): the run is over, free the domain for the next."""
    from include.elt.lease import release

    dag_run = context["dag_run"]
    try:
        release(warehouse().transformer, dag_run.dag_id, dag_run.run_id)
    except Exception:  # a callback never hides the task's own failure
        log.exception("could not release the %s lease of %s", dag_run.dag_id, dag_run.run_id)


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
    default_scale = os.environ.get(DEFAULT_SCALE_ENV) or "default"
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
            "on_failure_callback": _release_domain,
            **default_args,
        },
        tags=tags,
        params={
            "window_days": Param(
                DEFAULT_WINDOW_DAYS,
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
                DEFAULT_SEED, type="integer", minimum=0, maximum=2**31 - 1, title="Random seed"
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
        outlets = _outlets(domain)
        tasks = [
            task(task_id=stage, outlets=outlets.get(stage, []))(
                _stage_callable(domain_name, stage)
            )()
            for stage in STAGES
        ]
        chain(*tasks)
    return dag
