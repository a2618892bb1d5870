"""Days, the one day-window type, and the days a DAG run processes."""

from __future__ import annotations

from datetime import date

import pytest

from include.elt.core.days import Days, resolve_window

DAY = date(2026, 3, 10)
NEXT = date(2026, 3, 11)


def test_a_scheduled_run_processes_exactly_its_one_day_interval():
    assert resolve_window(DAY, NEXT, manual=False, window_days=60) == Days(DAY, DAY)


def test_a_manual_run_defaults_to_history_days_ending_on_its_interval():
    window = resolve_window(DAY, NEXT, manual=True, window_days=60)
    assert window.end == DAY and len(window) == 60


def test_a_manual_run_can_name_an_explicit_window():
    window = resolve_window(
        DAY, NEXT, manual=True, window_days=60, start="2026-01-01", end="2026-01-07"
    )
    assert (window.start, window.end, len(window)) == (date(2026, 1, 1), date(2026, 1, 7), 7)


def test_half_an_explicit_window_is_refused():
    with pytest.raises(ValueError, match="both start and end"):
        resolve_window(DAY, NEXT, manual=True, window_days=60, start="2026-01-01")


def test_a_window_iterates_its_days_and_rejects_reversed_bounds():
    assert list(Days(DAY, NEXT)) == [DAY, NEXT]
    with pytest.raises(ValueError, match="after its end"):
        Days(NEXT, DAY)
    with pytest.raises(ValueError, match="at least one day"):
        Days.ending(DAY, 0)


def test_days_hold_both_ends_and_stop_the_day_after():
    days = Days(DAY, NEXT)
    assert len(days) == 2 and days.stop == NEXT + (NEXT - DAY)
    assert Days.until(DAY, NEXT) == Days.day(DAY)
    assert str(days) == "2026-03-10..2026-03-11"
    assert days.overlaps(Days.day(NEXT)) and not days.overlaps(Days.day(NEXT + (NEXT - DAY)))
