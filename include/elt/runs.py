"""What a run processes: its synthetic world and its days, decided once and recorded.

A domain's bronze holds one synthetic *world*: the scale (with any explicit volumes) and seed
its rows were generated with, and the first and last day loaded so far
(``audit.domain_profiles``). Scheduled and backfill runs process their own data interval in the
stored world; a fresh platform's first run fills ``DEFAULT_HISTORY_DAYS`` instead, so there is
something to look at. A manual run processes its window in the world it asks for, and is refused
when that world differs from the stored one, unless it explicitly replaces the history.

The plan is made by the first stage and kept in ``audit.runs``; every later stage (another
process, under Airflow) reads the same plan, even when the stored world changed meanwhile. A
``generate`` without a warehouse (the CLI's) cannot record it: its manifest carries it, and the
load records it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import timedelta

from include.elt.contract.domain import Domain
from include.elt.core.days import Days
from include.elt.core.errors import PlanError
from include.elt.core.runs import (
    DEFAULT_HISTORY_DAYS,
    MAX_WINDOW_DAYS,
    RUN_TYPES,
    RunPlan,
    StoredWorld,
    World,
)

_UNSAFE = re.compile(r"[^A-Za-z0-9_.:+-]")


def safe_name(run_id: str) -> str:
    """A file name for a run id: the id itself when it is a plain name, else the id with
    other characters replaced and a short hash of it appended (so two ids never share one,
    and no id is ``.``, ``..``, hidden or a path)."""
    if not run_id:
        raise PlanError("a run needs a run id")
    name = _UNSAFE.sub("_", run_id)[:100]
    if name != run_id or name.startswith("."):
        name = f"{name}-{hashlib.sha256(run_id.encode()).hexdigest()[:8]}"
    return name


def plan_run(
    domain: Domain,
    *,
    run_type: str,
    window: Days,
    world: World,
    stored: StoredWorld | None,
    replace_history: bool = False,
    full_refresh: bool = False,
) -> RunPlan:
    """The plan of a run. ``window`` is the data interval of a scheduled or backfill run, the
    requested days of a manual one; ``world`` is the one asked for (a manual run's params)."""
    if run_type not in RUN_TYPES:
        raise PlanError(f"unknown run type {run_type!r}; expected one of {', '.join(RUN_TYPES)}")
    if world.scale not in domain.scales:
        raise PlanError(f"unknown scale {world.scale!r}; choose one of {', '.join(domain.scales)}")
    if len(window) > MAX_WINDOW_DAYS:
        raise PlanError(f"a window of {len(window)} days is longer than {MAX_WINDOW_DAYS} days")
    if window.start < domain.earliest_day:
        raise PlanError(
            f"{domain.name} has no data before {domain.earliest_day}: the {run_type} run"
            f" for {window} starts before it"
        )
    if run_type != "manual":
        if stored is None:  # a fresh platform: fill the default history once
            days = min(DEFAULT_HISTORY_DAYS, (window.end - domain.earliest_day).days + 1)
            return RunPlan(run_type, Days.ending(window.end, days), world, True, False, True)
        return _without_hole(
            RunPlan(
                run_type,
                window,
                stored.world,
                opens_history=window.start <= stored.first_day,
                full_refresh=full_refresh,
            ),
            stored,
        )
    if stored is not None and stored.world != world and not replace_history:
        raise PlanError(
            f"{domain.name} holds the world {stored.world} ({stored.first_day}..{stored.last_day},"
            f" loaded by {stored.run_id}); this run asks for {world}. Runs never mix two worlds:"
            f" set 'replace all history' to replace it, or run with {stored.world}"
        )
    decided = RunPlan(
        run_type,
        window,
        world,
        opens_history=stored is None or replace_history or window.start <= stored.first_day,
        replace_history=replace_history and stored is not None,
        full_refresh=full_refresh or replace_history or stored is None,
    )
    return decided if stored is None or replace_history else _without_hole(decided, stored)


def _without_hole(plan: RunPlan, stored: StoredWorld) -> RunPlan:
    """A run after a gap (the scheduler was down, a manual run skipped ahead) starts the day
    after the history's last day: the missed days' rows are what the later ones refer to (new
    customers, campaigns, subscriptions), so leaving them out would orphan the new days' rows.
    Days before the first day need no such care: what they refer to comes with them."""
    if plan.window.start <= stored.last_day + timedelta(days=1):
        return plan
    window = Days(stored.last_day + timedelta(days=1), plan.window.end)
    if len(window) > MAX_WINDOW_DAYS:
        raise PlanError(
            f"{plan.window} leaves {len(window) - len(plan.window)} days after the history's last"
            f" day {stored.last_day} unprocessed, and a run covering them would be longer than"
            f" {MAX_WINDOW_DAYS} days: run them in parts first"
        )
    return replace(plan, window=window, asked=plan.window)


def stored_world(cur, domain: Domain) -> StoredWorld | None:
    cur.execute(
        "select scale, seed, volumes, first_day, last_day, run_id"
        " from audit.domain_profiles where domain = %s",
        [domain.name],
    )
    row = cur.fetchone()
    if row is None:
        return None
    scale, seed, volumes, first_day, last_day, run_id = row
    return StoredWorld(World.of(scale, seed, volumes), first_day, last_day, run_id)


def record_world(cur, domain: Domain, plan: RunPlan, run_id: str) -> None:
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
            domain.name,
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


def record_plan(cur, domain: Domain, run_id: str, plan: RunPlan, *, keep: bool = False) -> None:
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
            domain.name,
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


def recorded_plan(cur, domain: Domain, run_id: str) -> RunPlan | None:
    cur.execute(
        "select run_type, window_start, window_end, scale, seed, volumes, opens_history,"
        " replace_history, full_refresh from audit.runs where domain = %s and run_id = %s",
        [domain.name, run_id],
    )
    row = cur.fetchone()
    if row is None:
        return None
    run_type, start, end, scale, seed, volumes, opens, replace, full = row
    world = World.of(scale, seed, volumes)
    return RunPlan(run_type, Days(start, end), world, opens, replace, full)


def _volumes_json(world: World) -> str | None:
    return json.dumps(world.volume_counts) if world.volumes else None
