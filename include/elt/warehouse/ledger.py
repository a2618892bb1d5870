"""The audit ledger: every read and write of the ``audit`` schema, each written once.

What each stage recorded is what the later stages (other processes, under Airflow) read:

- ``audit.runs``: a run's plan (:func:`record_plan`, :func:`recorded_plan`);
- ``audit.domain_profiles``: the world a domain's bronze holds (:func:`stored_world`,
  :func:`record_world`);
- ``audit.loads``: what each load replaced, and the days each dataset was loaded over
  (:func:`record_load`, :func:`loaded_days`);
- ``audit.staged_models``: what the lease holder staged, read by its gates and its publish
  (:func:`record_staged`, :func:`staged_models`);
- ``audit.model_builds`` and ``audit.task_runs``: every build and every task, for people;
- ``audit.partitions``: each published day's row count and key range (:func:`record_partitions`,
  :func:`overlapping_days`);
- ``audit.domain_alerts``: a domain whose last run failed, for the alerts' "back to normal"
  (:func:`mark_failing`, :func:`clear_failing`); ``gold.freshness``, a view over the rest: when
  each gold relation was last published (:func:`gold_freshness`); retention's reads and
  deletes (:func:`uncommitted_loads`, :func:`prune_history`).

A model's rebuilt days are kept as ``window_start`` and ``window_end`` with the end excluded;
a run's and a load's days with both ends included, as :class:`~include.elt.core.days.Days`
holds them. Domains are named, never loaded: the warehouse knows no domain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from psycopg2 import sql

from include.elt.core.days import Days
from include.elt.core.runs import RunPlan, StoredWorld, World

# --- tasks -----------------------------------------------------------------------------------


def record_task(
    cur,
    run_id: str,
    domain: str,
    task: str,
    *,
    status: str,
    rows_in: int | None,
    rows_out: int | None,
    started_at: datetime,
    finished_at: datetime,
    seconds: float,
    detail: str | None,
    gate: dict | None = None,
) -> None:
    cur.execute(
        "insert into audit.task_runs (run_id, domain, task, status, rows_in, rows_out,"
        " started_at, finished_at, duration_seconds, detail, gate)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            run_id,
            domain,
            task,
            status,
            rows_in,
            rows_out,
            started_at,
            finished_at,
            seconds,
            detail,
            json.dumps(gate) if gate else None,
        ],
    )


@dataclass(frozen=True)
class FailedTask:
    task: str
    detail: str | None
    gate: dict | None  # a gate's failed expectations, as QualityError.gate gives them


def failed_tasks(cur, domain: str, run_id: str) -> list[FailedTask]:
    """The tasks of ``run_id`` whose last try failed, in the order they ended."""
    cur.execute(
        "select task, detail, gate from ("
        "  select distinct on (task) task, status, detail, gate, finished_at"
        "  from audit.task_runs where domain = %s and run_id = %s"
        "  order by task, finished_at desc) as last_tries"
        " where status = 'failed' order by finished_at",
        [domain, run_id],
    )
    return [FailedTask(*row) for row in cur.fetchall()]


# --- alerts and retention --------------------------------------------------------------------


def mark_failing(cur, domain: str, run_id: str) -> None:
    """The domain's last run failed (kept until a run succeeds)."""
    cur.execute(
        "insert into audit.domain_alerts (domain, failed_run_id) values (%s, %s)"
        " on conflict (domain) do update set failed_run_id = excluded.failed_run_id,"
        " failed_at = now()",
        [domain, run_id],
    )


def clear_failing(cur, domain: str) -> str | None:
    """A run succeeded: the run that failed before it, if the domain was failing (once: the
    row is gone for the next success)."""
    cur.execute(
        "delete from audit.domain_alerts where domain = %s returning failed_run_id", [domain]
    )
    row = cur.fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Freshness:
    relation: str
    last_published_at: datetime
    last_run_id: str
    first_day: date | None
    last_day: date | None


def gold_freshness(cur, domain: str) -> list[Freshness]:
    """When each of the domain's gold relations was last published, and the days it holds."""
    cur.execute(
        "select relation, last_published_at, last_run_id, first_day, last_day"
        " from gold.freshness where domain = %s order by relation",
        [domain],
    )
    return [Freshness(*row) for row in cur.fetchall()]


def uncommitted_loads(cur, before: datetime) -> list[tuple[str, str]]:
    """(domain, run) of the runs that staged files before ``before`` and before a later run of
    their domain published, and never committed them: what a failed run left in the stage."""
    cur.execute(
        "select distinct loads.domain, loads.run_id from audit.task_runs as loads"
        " inner join (select domain, max(finished_at) as published_at from audit.task_runs"
        "   where task = 'publish' and status = 'success' group by domain) as last"
        "   on last.domain = loads.domain"
        " where loads.task like 'load\\_bronze[%%' and loads.started_at < %s"
        " and loads.started_at < last.published_at"
        " and not exists (select from audit.task_runs as done where done.domain = loads.domain"
        "   and done.run_id = loads.run_id and done.task = 'commit_bronze'"
        "   and done.status = 'success')"
        " order by 1, 2",
        [before],
    )
    return cur.fetchall()


def prune_history(cur, before: datetime) -> dict[str, int]:
    """Remove the audit rows older than ``before`` (never a domain's last published run, nor
    a leased one); the rows removed, by table."""
    cur.execute("select audit_table, removed from audit.prune_history(%s)", [before])
    return dict(cur.fetchall())


# --- plans and worlds ------------------------------------------------------------------------


def record_plan(cur, domain: str, run_id: str, plan: RunPlan, *, keep: bool = False) -> None:
    """Record the run's plan (``keep``: unless it has one already)."""
    on_conflict = (
        "do nothing"
        if keep
        else "do update set run_type = excluded.run_type,"
        " window_start = excluded.window_start, window_end = excluded.window_end,"
        " scale = excluded.scale, seed = excluded.seed, volumes = excluded.volumes,"
        " opens_history = excluded.opens_history, replace_history = excluded.replace_history,"
        " full_refresh = excluded.full_refresh, planned_at = now()"
    )
    cur.execute(
        "insert into audit.runs (run_id, domain, run_type, window_start, window_end, scale, seed,"
        " volumes, opens_history, replace_history, full_refresh)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        f" on conflict (domain, run_id) {on_conflict}",
        [
            run_id,
            domain,
            plan.run_type,
            plan.window.start,
            plan.window.end,
            plan.world.scale,
            plan.world.seed,
            _volumes_json(plan.world),
            plan.opens_history,
            plan.replace_history,
            plan.full_refresh,
        ],
    )


def recorded_plan(cur, domain: str, run_id: str) -> RunPlan | None:
    cur.execute(
        "select run_type, window_start, window_end, scale, seed, volumes, opens_history,"
        " replace_history, full_refresh from audit.runs where domain = %s and run_id = %s",
        [domain, run_id],
    )
    row = cur.fetchone()
    if row is None:
        return None
    run_type, start, end, scale, seed, volumes, opens, replace, full = row
    return RunPlan(run_type, Days(start, end), World.of(scale, seed, volumes), opens, replace, full)


def stored_world(cur, domain: str) -> StoredWorld | None:
    cur.execute(
        "select scale, seed, volumes, first_day, last_day, run_id"
        " from audit.domain_profiles where domain = %s",
        [domain],
    )
    row = cur.fetchone()
    if row is None:
        return None
    scale, seed, volumes, first_day, last_day, run_id = row
    return StoredWorld(World.of(scale, seed, volumes), first_day, last_day, run_id)


def record_world(cur, domain: str, plan: RunPlan, run_id: str) -> None:
    """After a load: the world, and the days it covers (the window's, not its prehistory)."""
    replace = plan.replace_history
    cur.execute(
        "insert into audit.domain_profiles"
        " (domain, scale, seed, volumes, first_day, last_day, run_id)"
        " values (%s, %s, %s, %s, %s, %s, %s)"
        " on conflict (domain) do update set scale = excluded.scale, seed = excluded.seed,"
        " volumes = excluded.volumes, run_id = excluded.run_id, loaded_at = now(),"
        " first_day = case when %s then excluded.first_day"
        "   else least(domain_profiles.first_day, excluded.first_day) end,"
        " last_day = case when %s then excluded.last_day"
        "   else greatest(domain_profiles.last_day, excluded.last_day) end",
        [
            domain,
            plan.world.scale,
            plan.world.seed,
            _volumes_json(plan.world),
            plan.window.start,
            plan.window.end,
            run_id,
            replace,
            replace,
        ],
    )


def _volumes_json(world: World) -> str | None:
    return json.dumps(world.volume_counts) if world.volumes else None


# --- loads -----------------------------------------------------------------------------------


def record_load(
    cur,
    run_id: str,
    domain: str,
    dataset: str,
    days: Days | None,
    *,
    rows: int,
    replaced: int,
    world_replaced: bool,
    expected_rows: float | None,
) -> None:
    cur.execute(
        "insert into audit.loads (run_id, domain, dataset, first_day, last_day, row_count,"
        " replaced_rows, world_replaced, expected_rows)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (domain, run_id, dataset) do update set first_day = excluded.first_day,"
        " last_day = excluded.last_day, row_count = excluded.row_count,"
        " replaced_rows = excluded.replaced_rows, world_replaced = excluded.world_replaced,"
        " expected_rows = excluded.expected_rows, loaded_at = now()",
        [
            run_id,
            domain,
            dataset,
            days.start if days else None,
            days.end if days else None,
            rows,
            replaced,
            world_replaced,
            expected_rows,
        ],
    )


def loaded_days(cur, domain: str, run_id: str) -> dict[str, Days | None]:
    """The datasets ``run_id`` loaded, with the days each covered (``None``: a whole table)."""
    return {name: load.days for name, load in loads_of(cur, domain, run_id).items()}


@dataclass(frozen=True)
class Load:
    """A dataset's load by a run, as its commit recorded it."""

    days: Days | None
    rows: int
    replaced: int


def loads_of(cur, domain: str, run_id: str) -> dict[str, Load]:
    """The loads ``run_id`` committed, by dataset."""
    cur.execute(
        "select dataset, first_day, last_day, row_count, replaced_rows from audit.loads"
        " where domain = %s and run_id = %s",
        [domain, run_id],
    )
    return {
        name: Load(Days(first, last) if first else None, rows, replaced)
        for name, first, last, rows, replaced in cur.fetchall()
    }


# --- staged models and model builds ----------------------------------------------------------


@dataclass(frozen=True)
class StagedModel:
    layer: str
    days: Days | None  # the days it rebuilt; None: all of them
    rows: int


def staged_models(cur, domain: str, run_id: str) -> dict[str, StagedModel]:
    """The models ``run_id`` has staged so far, by name."""
    cur.execute(
        "select model, layer, window_start, window_end, row_count from audit.staged_models"
        " where domain = %s and run_id = %s",
        [domain, run_id],
    )
    return {
        name: StagedModel(layer, Days.until(start, stop) if start else None, rows)
        for name, layer, start, stop, rows in cur.fetchall()
    }


def record_staged(
    cur,
    domain: str,
    run_id: str,
    model: str,
    *,
    layer: str,
    materialization: str,
    days: Days | None,
    rows: int,
    rejected: int,
) -> None:
    cur.execute(
        "insert into audit.staged_models (domain, layer, model, run_id, strategy,"
        " window_start, window_end, row_count, rejected_count)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (domain, model) do update set layer = excluded.layer,"
        " run_id = excluded.run_id, strategy = excluded.strategy,"
        " window_start = excluded.window_start, window_end = excluded.window_end,"
        " row_count = excluded.row_count, rejected_count = excluded.rejected_count,"
        " built_at = now()",
        [domain, layer, model, run_id, materialization, *_bounds(days), rows, rejected],
    )


def forget_staged(cur, domain: str, *, model: str | None = None, run_id: str | None = None) -> None:
    """Forget what was staged of a model (before it is built again), or by a run (once it is
    published)."""
    column, value = ("model", model) if model is not None else ("run_id", run_id)
    cur.execute(
        sql.SQL("delete from audit.staged_models where domain = %s and {} = %s").format(
            sql.Identifier(column)
        ),
        [domain, value],
    )


@dataclass(frozen=True)
class ModelBuild:
    """What ``audit.model_builds`` records of a model built into the stage."""

    relation: str  # layer.domain_model
    sql_file: str  # the model's file, relative to the repository where it is inside it
    materialization: str
    rows: int
    rejected: int
    days: Days | None  # the days it rebuilt; None: all of them

    @property
    def span(self) -> str:
        """The days it rebuilt, as logs say it: ``days <start>..<end>``, or ``all``."""
        return f"days {self.days}" if self.days else "all"


def record_build(cur, run_id: str, domain: str, build: ModelBuild) -> None:
    cur.execute(
        "insert into audit.model_builds (run_id, domain, relation, sql_file, materialized,"
        " row_count, rejected_count, window_start, window_end)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            run_id,
            domain,
            build.relation,
            build.sql_file,
            build.materialization,
            build.rows,
            build.rejected,
            *_bounds(build.days),
        ],
    )


def _bounds(days: Days | None) -> tuple[date | None, date | None]:
    """A model's days as its audit rows keep them: start, and the day after the end."""
    return (days.start, days.stop) if days else (None, None)


# --- published day partitions ----------------------------------------------------------------


def record_partitions(
    cur,
    relation: str,
    days: Days | None,
    *,
    rows: sql.Composable,
    day_column: str,
    key_column: str | None,
) -> None:
    """Row counts and key ranges of the days of ``rows`` (a relation being published as
    ``relation``), replacing what was recorded of ``days`` (``None``: of all days)."""
    if days is None:
        cur.execute("delete from audit.partitions where relation = %s", [relation])
    else:
        cur.execute(
            "delete from audit.partitions where relation = %s and day >= %s and day < %s",
            [relation, days.start, days.stop],
        )
    ranges = sql.SQL("null, null")
    if key_column is not None:
        ranges = sql.SQL("min({key})::text, max({key})::text").format(
            key=sql.Identifier(key_column)
        )
    cur.execute(
        sql.SQL(
            "insert into audit.partitions (relation, day, row_count, key_min, key_max)"
            " select %s, {col}::date, count(*), {ranges} from {rows} group by 2"
        ).format(col=sql.Identifier(day_column), ranges=ranges, rows=rows),
        [relation],
    )


def overlapping_days(
    cur, relation: str, days: Days, *, rows: sql.Composable, key_column: str, key_type: str
) -> list[date]:
    """The published days of ``relation`` outside ``days`` whose recorded key range overlaps
    the keys of ``rows``."""
    cur.execute(
        sql.SQL(
            "select p.day from audit.partitions as p,"
            " (select min({key}) as lo, max({key}) as hi from {rows}) as changed"
            " where p.relation = %s and not (p.day >= %s and p.day < %s)"
            " and p.key_min::{kind} <= changed.hi and p.key_max::{kind} >= changed.lo"
            " order by p.day"
        ).format(key=sql.Identifier(key_column), rows=rows, kind=sql.SQL(key_type)),
        [relation, days.start, days.stop],
    )
    return [day for (day,) in cur.fetchall()]
