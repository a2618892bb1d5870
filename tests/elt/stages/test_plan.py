"""Run planning: which world and which days each kind of run processes (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from include.elt.contract.domain import load_domain
from include.elt.core.days import Days
from include.elt.core.errors import PlanError
from include.elt.core.runs import DEFAULT_HISTORY_DAYS, StoredWorld, World
from include.elt.stages.plan import plan_run

DOMAIN = load_domain("streaming")
DAY = date(2026, 11, 21)
DEFAULT = World.of("default", 42)
STORED = StoredWorld(DEFAULT, date(2026, 9, 1), date(2026, 11, 20), "first")


def plan(run_type, window, world=DEFAULT, stored=STORED, **flags):
    return plan_run(DOMAIN, run_type=run_type, window=window, world=world, stored=stored, **flags)


@pytest.mark.parametrize("run_type", ["scheduled", "backfill"])
def test_scheduled_and_backfill_runs_process_their_interval_in_the_stored_world(run_type):
    decided = plan(run_type, Days(DAY, DAY), world=World.of("tiny", 7))
    assert decided.window == Days(DAY, DAY)
    assert decided.world == STORED.world  # the form's defaults never replace the world
    assert not decided.opens_history and not decided.full_refresh


def test_a_fresh_platform_fills_the_default_history_once():
    decided = plan("scheduled", Days(DAY, DAY), stored=None)
    assert decided.window == Days.ending(DAY, DEFAULT_HISTORY_DAYS)
    assert decided.opens_history and decided.full_refresh


def test_a_backfill_before_the_first_day_extends_the_history():
    earlier = date(2026, 8, 1)
    decided = plan("backfill", Days(earlier, earlier))
    assert decided.window == Days(earlier, earlier)
    assert decided.opens_history  # writes what the day refers to from before it


@pytest.mark.parametrize("run_type", ["scheduled", "backfill", "manual"])
def test_a_run_after_a_gap_starts_the_day_after_the_last_one(run_type):
    later = date(2026, 11, 24)  # the history ends on the 20th: the 21st..23rd were missed
    decided = plan(run_type, Days(later, later))
    assert decided.window == Days(date(2026, 11, 21), later)
    assert decided.asked == Days(later, later)
    assert "asked for 2026-11-24" in decided.describe()
    assert plan(run_type, Days(DAY, DAY)).asked is None  # the next day: nothing to close


def test_a_gap_too_long_for_one_run_is_refused():
    far = date(2037, 6, 1)
    with pytest.raises(PlanError, match="after the history's last day 2026-11-20 unprocessed"):
        plan("scheduled", Days(far, far))


def test_replacing_the_history_may_start_anywhere():
    later = date(2026, 12, 24)
    decided = plan("manual", Days(later, later), replace_history=True)
    assert decided.window == Days(later, later)


def test_a_backfill_before_the_domain_existed_is_refused():
    with pytest.raises(PlanError, match="no data before 2024-01-01"):
        plan("backfill", Days(date(2023, 12, 31), date(2023, 12, 31)))


def test_a_manual_run_in_another_world_is_refused_naming_both():
    with pytest.raises(PlanError) as refused:
        plan("manual", Days(DAY, DAY), world=World.of("tiny", 42))
    message = str(refused.value)
    assert "scale=default seed=42" in message and "scale=tiny seed=42" in message
    assert "replace all history" in message


def test_replacing_the_history_is_an_explicit_choice():
    decided = plan("manual", Days(DAY, DAY), world=World.of("tiny", 7), replace_history=True)
    assert decided.world == World.of("tiny", 7)
    assert decided.replace_history and decided.opens_history and decided.full_refresh


def test_a_manual_run_in_the_stored_world_adds_its_days():
    decided = plan("manual", Days(date(2026, 11, 1), DAY))
    assert not decided.replace_history and not decided.full_refresh
    assert not decided.opens_history
