"""What a run processes: its synthetic world and its days, decided once (recorded by the audit
ledger, :mod:`include.elt.warehouse.ledger`).

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
