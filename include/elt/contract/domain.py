"""What a domain is, and how the platform finds one.

A domain is a package exposing ``DOMAIN`` (a :class:`Domain`, which lists what it provides and
the names that tie its parts together). The platform finds domains by scanning
``include/domains/`` (each package there is named after its domain) and by importing the
packages listed in ``ELT_DOMAIN_PACKAGES`` (comma-separated, e.g. ``tests.toy_domain``): adding
a domain touches no platform code. The CLI runs every domain it finds; Airflow schedules one
once a DAG file builds it (``dags/<domain>.py``, :mod:`include.orchestration.dag_builder`).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from include.elt.contract.datasets import Dataset
from include.elt.core.days import Days
from include.elt.core.paths import DOMAINS_DIR, SQL_ROOT

if TYPE_CHECKING:
    import pyarrow as pa

    from include.elt.contract.charts import Chart

DOMAIN_PACKAGES_ENV = "ELT_DOMAIN_PACKAGES"


@dataclass(frozen=True)
class GeneratedRows:
    """Generated rows of one dataset and the days they cover (``None``: the whole table)."""

    table: pa.Table
    days: Days | None = None


class Generator(Protocol):
    def __call__(self, window: Days, *, scale: str, seed: int) -> Mapping[str, GeneratedRows]: ...


@dataclass(frozen=True)
class Domain:
    """What a domain provides; the platform derives everything else from it by name.

    - ``name``: a lowercase word; under ``include/domains/`` also its package's name. Domains
      share the ``bronze``, ``silver`` and ``gold`` schemas, so every table of a domain is
      ``<layer>.<name>_<table>`` (:meth:`relation`); its files go under ``runs/<name>/``,
      ``reports/<name>/`` and ``logs/<name>/``, and the audit tables and its lease are keyed
      by it.
    - ``datasets``: the bronze tables, declared once
      (:class:`~include.elt.contract.datasets.Dataset`). A dataset's ``name`` is its table's
      suffix (``bronze.<domain>_<dataset>``), its generated file's stem and its bronze suite's
      name; its columns make the DDL, the files and the COPY; ``partition_column`` is the date
      or timestamp column bronze is partitioned on by day (``None``: reference data, replaced
      whole). ``key`` and ``foreign_keys`` (``{column: dataset}``) are what
      :func:`~include.elt.contract.checks.bronze_keys` checks.
    - ``generator``: ``"package.module:function"``, imported only when a run generates and
      called as ``function(window, *, scale, seed)``, plus ``volumes={name: n}`` when the run
      sets volumes. It returns ``{dataset name: GeneratedRows}`` holding every declared dataset,
      each table with exactly its declared columns (cast to the declared types). The same
      seed and day must give the same rows: a window is the union of its days, and a rerun
      replaces its days in bronze. Rows of days before the window are dropped unless the run
      opens the domain's history.
    - ``expectations_module``: a package with one module per layer (``bronze``, ``silver``,
      ``gold``), each exposing ``SUITES``, ``{suite name: function returning expectations}``.
      Bronze has one suite per dataset, named after it; silver and gold one per model, named
      by the ``suite:`` of its declaration (a test fails on a model without a suite or a suite
      without a model).
    - SQL models: ``<sql_dir>/<layer>/<model>.sql`` for ``silver`` and ``gold``, each with its
      declaration ``<model>.yml`` beside it (:mod:`include.elt.contract.models`), building
      ``<layer>.<domain>_<model>``; model names are unique across the layers. ``sql_dir`` is
      ``<sql_root>/<name>``; ``sql_root`` is the repository's ``sql/`` unless the domain keeps
      its SQL elsewhere. An optional ``<sql_dir>/checks/<layer>.sql`` returns (figure, value)
      rows logged after that layer is loaded or built.
      ``template_variables`` are SQL text its models may write as ``{{ name }}`` (accepted
      values from its design module, say), beside the platform's (``email_pattern``).
    - ``scales``: what ``--scale`` and the trigger form accept, passed to the generator;
      ``default`` is the CLI's default scale, and the DAG's unless ``ELT_DEFAULT_SCALE`` says
      otherwise.
    - ``earliest_day``: no run may start before it.
    - ``volumes``: the row counts a run may set instead of its scale's (``--volume NAME=N``);
      any other name is refused. Without ``--domain``, the CLI runs the one domain that takes
      every volume asked for. Like the scale and seed, they are part of the domain's stored
      world.
    - ``row_counts``: optionally ``"package.module:function"``, called as
      ``function(dataset, days, *, scale, volumes)``: the design's expected
      rows of a dataset over those days (``None`` for a dataset it does not promise). The
      generate stage writes it beside each file's rows, the load records it in
      ``audit.loads.expected_rows``, and :func:`~include.elt.contract.checks.row_count_near`
      checks the loaded days against it.
    - ``reports``: ``{CSV file name: gold model}``, exported by ``publish`` to
      ``reports/<name>/``.
    - ``dashboard``: optionally ``"package.module:NAME"``, a sequence of
      :class:`~include.elt.contract.charts.Chart`, each reading gold through
      ``<sql_dir>/dashboard/<chart name>.sql``; ``publish`` draws them into
      ``reports/<name>/dashboard.html``. Without it the domain has no dashboard.
    - ``description``: its first line describes the domain's DAG.
    - ``freshness``: how stale its gold may get: a scheduled run must have published its day
      this long after the day began (its data interval's start), or the operator is alerted
      (the DAG's Deadline Alert, :mod:`include.orchestration.alerts`).
    """

    name: str
    description: str
    datasets: tuple[Dataset, ...]
    # Both imported only when a task runs, so parsing a DAG stays cheap.
    generator: str
    expectations_module: str
    scales: tuple[str, ...]
    earliest_day: date
    volumes: tuple[str, ...] = ()
    reports: Mapping[str, str] = field(default_factory=dict)
    sql_root: Path = SQL_ROOT
    row_counts: str | None = None
    template_variables: Mapping[str, str] = field(default_factory=dict)
    dashboard: str | None = None  # imported only when publish draws it
    freshness: timedelta = timedelta(hours=26)

    @property
    def sql_dir(self) -> Path:
        return self.sql_root / self.name

    def generate(
        self, window: Days, *, scale: str, seed: int, volumes: Mapping[str, int] | None = None
    ) -> Mapping[str, GeneratedRows]:
        if scale not in self.scales:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(self.scales)}")
        unknown = set(volumes or {}) - set(self.volumes)
        if unknown:
            raise ValueError(
                f"{self.name} takes explicit volumes for {list(self.volumes) or 'nothing'},"
                f" not {sorted(unknown)}"
            )
        generator: Generator = _named(self.generator)
        if volumes:
            return generator(window, scale=scale, seed=seed, volumes=dict(volumes))
        return generator(window, scale=scale, seed=seed)

    def expected_rows(
        self,
        dataset: str,
        days: Days | None,
        *,
        scale: str,
        volumes: Mapping[str, int] | None = None,
    ) -> float | None:
        """The design's row count of ``dataset`` over those days (``None``: not declared)."""
        if self.row_counts is None:
            return None
        counts = _named(self.row_counts)
        expected = counts(dataset, days, scale=scale, volumes=dict(volumes or {}))
        return None if expected is None else float(expected)

    def charts(self) -> tuple[Chart, ...]:
        """The charts of its dashboard, in page order (none: no dashboard)."""
        return () if self.dashboard is None else tuple(_named(self.dashboard))

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
    return sorted(_packages())


def load_domain(name: str) -> Domain:
    packages = _packages()
    if name not in packages:
        raise LookupError(f"unknown domain {name!r}; known: {', '.join(sorted(packages))}")
    domain = _domain_in(packages[name])
    if domain.name != name:
        raise LookupError(f"{packages[name]}.DOMAIN is named {domain.name!r}, not {name!r}")
    return domain


def _named(spec: str):
    """What ``"package.module:name"`` names (a function, a list), imported when first asked for."""
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


def _packages() -> dict[str, str]:
    """{domain name: package}. The folder's packages are named after their domain, so only the
    ones the setting adds are imported to learn their name (the folder's are listed from disk:
    the platform imports no domain to find it)."""
    found = {
        m.name: f"include.domains.{m.name}"
        for m in pkgutil.iter_modules([str(DOMAINS_DIR)])
        if m.ispkg
    }
    listed = os.environ.get(DOMAIN_PACKAGES_ENV, "").split(",")
    for package in (p.strip() for p in listed if p.strip()):
        name = _domain_in(package).name
        if found.get(name, package) != package:
            raise LookupError(
                f"{DOMAIN_PACKAGES_ENV}: {package} and {found[name]} are both the domain {name!r}"
            )
        found[name] = package
    return found


def _domain_in(package: str) -> Domain:
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise LookupError(f"cannot import the domain package {package!r}: {exc}") from exc
    domain = getattr(module, "DOMAIN", None)
    if not isinstance(domain, Domain):
        raise LookupError(f"{package} exposes no DOMAIN (an include.elt.contract.domain.Domain)")
    return domain
