"""A run's world and plan, as values."""

from __future__ import annotations

from datetime import date

from include.elt.core.days import Days
from include.elt.core.runs import RunPlan, World

DAY = date(2026, 11, 21)


def test_explicit_volumes_are_part_of_the_world():
    assert World.of("default", 1, {"customers": 10}) != World.of("default", 1)
    assert str(World.of("default", 1, {"customers": 10})) == "scale=default[customers=10] seed=1"


def test_a_world_holds_its_volumes_in_one_order_whatever_order_they_were_asked_in():
    asked = World.of("tiny", 3, {"orders": 5, "customers": 2})
    assert asked == World.of("tiny", 3, {"customers": 2, "orders": 5})
    assert asked.volume_counts == {"customers": 2, "orders": 5}
    assert World.of("tiny", 3).volume_counts is None


def test_a_plan_describes_its_days_world_and_what_it_does_beyond_them():
    plain = RunPlan("scheduled", Days(DAY, DAY), World.of("default", 42), opens_history=False)
    assert plain.describe() == "scheduled run over 2026-11-21..2026-11-21 in scale=default seed=42"
    moved = RunPlan(
        "manual",
        Days(date(2026, 11, 19), DAY),
        World.of("tiny", 7),
        opens_history=True,
        full_refresh=True,
        asked=Days(DAY, DAY),
    )
    assert moved.describe().endswith(
        "(opens history, full refresh, asked for 2026-11-21..2026-11-21; starts the day after"
        " the history's last)"
    )
