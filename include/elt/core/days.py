"""Days: the one type for a stretch of calendar days, and which days a DAG run processes.

A :class:`Days` holds its ``start`` and its ``end`` day, both included: a run's window, the days
a partition holds, the days a model rebuilds. SQL that needs a bound it excludes
(``day >= start and day < stop``) takes :attr:`Days.stop`, the day after ``end``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from include.elt.core.errors import FinalError

ONE_DAY = timedelta(days=1)


class DaysError(FinalError, ValueError):
    """Days that make no window (an end before the start, a date that is not one)."""


@dataclass(frozen=True, order=True)
class Days:
    """Calendar days from ``start`` to ``end``, both included (one day: ``start == end``)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise DaysError(f"the window's start {self.start} is after its end {self.end}")

    @classmethod
    def ending(cls, end: date, count: int) -> Days:
        """The ``count`` days up to ``end``."""
        if count < 1:
            raise DaysError(f"a window needs at least one day, got {count}")
        return cls(end - timedelta(days=count - 1), end)

    @classmethod
    def day(cls, day: date) -> Days:
        return cls(day, day)

    @classmethod
    def until(cls, start: date, stop: date) -> Days:
        """The days from ``start`` to the day before ``stop`` (a bound that excludes it)."""
        return cls(start, stop - ONE_DAY)

    @property
    def stop(self) -> date:
        """The day after ``end``: the bound SQL excludes."""
        return self.end + ONE_DAY

    def __len__(self) -> int:
        return (self.end - self.start).days + 1

    def __iter__(self) -> Iterator[date]:
        return (self.start + timedelta(days=i) for i in range(len(self)))

    def overlaps(self, other: Days) -> bool:
        return self.start <= other.end and other.start <= self.end

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
) -> Days:
    """The days a DAG run processes.

    A scheduled run processes its own data interval ([start, end) in Airflow terms). A manual run
    processes the explicit ``start``/``end`` if given, else ``window_days`` ending on the last day
    of its data interval.
    """
    last_day = interval_end - ONE_DAY if interval_end > interval_start else interval_end
    if not manual:
        return Days(interval_start, last_day)
    if start or end:
        if not (start and end):
            raise DaysError("give both start and end, or neither")
        return Days(_day("start", start), _day("end", end))
    return Days.ending(last_day, window_days)


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DaysError(f"{name} must be a date like 2026-11-21, got {value!r}") from None
