"""What a run processes: its synthetic world and its plan, and what a run asks for unless told.

Values only: ``include.elt.stages.plan`` decides a plan, the audit ledger records it
(``include.elt.warehouse.ledger``), and every later stage reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from include.elt.core.days import Days

RUN_TYPES = ("scheduled", "backfill", "manual")
# What the CLI and the trigger form ask for unless told: the history days of a manual run (and
# what a fresh platform's first scheduled run fills), the scale and the seed.
DEFAULT_HISTORY_DAYS = 60
DEFAULT_SCALE = "default"
DEFAULT_SEED = 42
MAX_SEED = 2**31 - 1  # the largest seed the CLI and the trigger form take
MAX_WINDOW_DAYS = 3_660  # ten years: a longer manual window is a typo


@dataclass(frozen=True)
class World:
    """What makes two runs' rows compatible: the scale and seed they were generated with."""

    scale: str
    seed: int
    # Explicit counts instead of the scale's (seed 004's --customers), as sorted pairs.
    volumes: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, scale: str, seed: int, volumes: dict[str, int] | None = None) -> World:
        return cls(scale, int(seed), tuple(sorted((volumes or {}).items())))

    @property
    def volume_counts(self) -> dict[str, int] | None:
        return dict(self.volumes) or None

    def __str__(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.volumes)
        return f"scale={self.scale}{f'[{extra}]' if extra else ''} seed={self.seed}"


@dataclass(frozen=True)
class StoredWorld:
    """The world a domain's bronze holds, and the days it holds it over."""

    world: World
    first_day: date
    last_day: date
    run_id: str


@dataclass(frozen=True)
class RunPlan:
    run_type: str
    window: Days
    world: World
    # The window reaches back to (or before) the start of the domain's history: write what its
    # rows refer to from before the window too (customers since launch, earlier orders).
    opens_history: bool
    replace_history: bool = False
    # Rebuild silver and gold from all of bronze instead of the changed days.
    full_refresh: bool = False
    # The days asked for, when the run had to start earlier to leave no hole after the history.
    asked: Days | None = None

    def describe(self) -> str:
        flags = [
            name
            for name, on in (
                ("opens history", self.opens_history),
                ("replaces history", self.replace_history),
                ("full refresh", self.full_refresh),
            )
            if on
        ]
        if self.asked:
            flags.append(f"asked for {self.asked}; starts the day after the history's last")
        return f"{self.run_type} run over {self.window} in {self.world}" + (
            f" ({', '.join(flags)})" if flags else ""
        )
