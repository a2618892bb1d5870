"""Date windows: which days a run generates and loads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta


class WindowError(ValueError):
    """Days that make no window (an end before the start, a date that is not one)."""


@dataclass(frozen=True)
class Window:
    """An inclusive range of calendar days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise WindowError(f"the window's start {self.start} is after its end {self.end}")

    @classmethod
    def ending(cls, end: date, days: int) -> Window:
        if days < 1:
            raise WindowError(f"a window needs at least one day, got {days}")
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __iter__(self) -> Iterator[date]:
        return (self.start + timedelta(days=i) for i in range(self.days))

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


def resolve_window(
    interval_start: date,
    interval_end: date,
    *,
    manual: bool,
    window_days: int,
    start: str | None = None,
    end: str | None = None,
) -> Window:
    """The days a DAG run processes.

    A scheduled run processes its own data interval ([start, end) in Airflow terms). A manual run
    processes the explicit ``start``/``end`` if given, else ``window_days`` ending on the last day
    of its data interval.
    """
    last_day = interval_end - timedelta(days=1) if interval_end > interval_start else interval_end
    if not manual:
        return Window(interval_start, last_day)
    if start or end:
        if not (start and end):
            raise WindowError("give both start and end, or neither")
        return Window(_day("start", start), _day("end", end))
    return Window.ending(last_day, window_days)


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise WindowError(f"{name} must be a date like 2026-11-21, got {value!r}") from None
