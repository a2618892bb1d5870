"""What a domain is, and how the platform finds one.

A domain is a package under ``include/domains/`` exposing ``DOMAIN``, plus its SQL models in
``sql/<domain>/<layer>/``. The platform discovers domains by scanning that folder: adding one
touches no platform code.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from include.elt.schema import Dataset
from include.elt.window import Window

if TYPE_CHECKING:
    import pyarrow as pa

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_ROOT = REPO_ROOT / "sql"
LAYERS = ("bronze", "silver", "gold")


@dataclass(frozen=True)
class Partition:
    """Generated rows of one dataset and the days they cover (``None``: the whole table)."""

    table: pa.Table
    first_day: date | None = None
    last_day: date | None = None


class Generator(Protocol):
    def __call__(self, window: Window, *, scale: str, seed: int) -> Mapping[str, Partition]: ...


@dataclass(frozen=True)
class Domain:
    name: str
    description: str
    datasets: tuple[Dataset, ...]
    # "package.module:function" of the generator, and the package of the expectation suites
    # (one module per layer): both imported only when a task runs, so parsing a DAG stays cheap.
    generator: str
    expectations_module: str
    scales: tuple[str, ...]
    earliest_day: date
    # Explicit counts a run may ask for instead of a scale's (seed 004's --customers/--products).
    volumes: tuple[str, ...] = ()
    # {report file name: gold relation}
    reports: Mapping[str, str] = field(default_factory=dict)

    @property
    def sql_dir(self) -> Path:
        return SQL_ROOT / self.name

    def generate(
        self, window: Window, *, scale: str, seed: int, volumes: Mapping[str, int] | None = None
    ) -> Mapping[str, Partition]:
        if scale not in self.scales:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(self.scales)}")
        unknown = set(volumes or {}) - set(self.volumes)
        if unknown:
            raise ValueError(
                f"{self.name} takes explicit volumes for {list(self.volumes) or 'nothing'},"
                f" not {sorted(unknown)}"
            )
        module, function = self.generator.split(":")
        generator: Generator = getattr(importlib.import_module(module), function)
        if volumes:
            return generator(window, scale=scale, seed=seed, volumes=dict(volumes))
        return generator(window, scale=scale, seed=seed)

    def relation(self, table: str) -> str:
        """Table name inside a layer schema: domains share bronze/silver/gold, so prefix it."""
        return f"{self.name}_{table}"

    def qualified(self, layer: str, table: str) -> str:
        """``layer.<domain>_<table>``: how a table is named in SQL, logs and audit rows."""
        return f"{layer}.{self.relation(table)}"

    def dataset(self, name: str) -> Dataset:
        for ds in self.datasets:
            if ds.name == name:
                return ds
        raise KeyError(f"domain {self.name!r} has no dataset {name!r}")


def domain_names() -> list[str]:
    import include.domains

    return sorted(m.name for m in pkgutil.iter_modules(include.domains.__path__) if m.ispkg)


def load_domain(name: str) -> Domain:
    if name not in domain_names():
        raise LookupError(f"unknown domain {name!r}; known: {', '.join(domain_names())}")
    module = importlib.import_module(f"include.domains.{name}")
    return module.DOMAIN
