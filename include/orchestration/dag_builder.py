"""Build a domain's DAG from the platform's stages: one task per stage, in flow order.

Every DAG file is a few lines of configuration calling :func:`build_domain_dag`; the work
itself is in ``include.elt.pipeline``, shared with the CLI.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from airflow.sdk import DAG, Asset, BaseHook, Param, chain, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from include.elt.domain import Domain, load_domain
from include.elt.flow import STAGES
from include.elt.window import resolve_window

if TYPE_CHECKING:
    from include.elt.pipeline import RunContext

log = logging.getLogger(__name__)

WAREHOUSE_CONN_ID = "warehouse"
DEFAULT_WINDOW_DAYS = 60
DEFAULT_SEED = 42


def table_asset(layer: str, relation: str) -> Asset:
    return Asset(
        name=f"{layer}.{relation}",
        uri=f"postgres://warehouse:5432/warehouse/{layer}/{relation}",
        group="warehouse",
    )


def _outlets(domain: Domain) -> dict[str, list[Asset]]:
    return {
        "load_bronze": [table_asset("bronze", domain.relation(d.name)) for d in domain.datasets],
        "build_silver": [
            table_asset("silver", domain.relation(p.stem)) for p in domain.models("silver")
        ],
        "build_gold": [table_asset("gold", domain.relation(p.stem)) for p in domain.models("gold")],
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
    window = resolve_window(
        interval_start.date(),
        interval_end.date(),
        manual=dag_run.run_type != "scheduled",
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
        warehouse_url=BaseHook.get_connection(WAREHOUSE_CONN_ID).get_uri(),
        data_dir=data_dir(),
    )


def _stage_callable(domain_name: str, stage: str):
    def run_stage() -> None:
        from include.elt.load import LoadError
        from include.elt.pipeline import STAGE_FUNCTIONS
        from include.elt.quality import QualityError

        ctx = run_context(domain_name)
        log.info(
            "%s %s over %s (scale=%s, seed=%s)", domain_name, stage, ctx.window, ctx.scale, ctx.seed
        )
        try:
            STAGE_FUNCTIONS[stage](ctx)
        except (QualityError, LoadError) as exc:
            # Bad data does not get better by retrying: fail now, with the reason.
            raise AirflowFailException(str(exc)) from exc

    run_stage.__name__ = stage
    return run_stage


def build_domain_dag(
    domain_name: str,
    *,
    schedule,
    start_date: datetime,
    default_args: dict,
    tags: list[str],
    doc_md: str | None = None,
    default_scale: str = "default",
) -> DAG:
    domain = load_domain(domain_name)
    with DAG(
        dag_id=domain_name,
        description=domain.description.strip().splitlines()[0],
        doc_md=doc_md,
        schedule=schedule,
        start_date=start_date,
        catchup=False,
        max_active_runs=1,
        is_paused_upon_creation=False,
        default_args=default_args,
        tags=tags,
        params={
            "window_days": Param(
                DEFAULT_WINDOW_DAYS,
                type="integer",
                minimum=1,
                title="History days",
                description="Manual runs: days of data ending on the run's data interval. "
                "Scheduled runs always process their own one-day interval.",
            ),
            "start": Param(
                None,
                type=["null", "string"],
                format="date",
                title="Start date (optional)",
                description="With end: an explicit window instead of the history days.",
            ),
            "end": Param(
                None,
                type=["null", "string"],
                format="date",
                title="End date (optional)",
            ),
            "scale": Param(
                default_scale,
                enum=list(domain.scales),
                title="Scale",
                description="Data volume: tiny (tests), default, large.",
            ),
            "seed": Param(DEFAULT_SEED, type="integer", title="Random seed"),
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
