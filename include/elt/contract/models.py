"""SQL models: one ``select`` per file, declared once in a YAML file beside it.

``sql/<domain>/<layer>/<name>.sql`` builds ``<layer>.<domain>_<name>``; ``<name>.yml`` beside it
says what it is (the runner, the suites and the docs all read it)::

    grain: one row per usage_id
    materialized: incremental     # view | table | incremental
    strategy: days                # incremental: days (replace day partitions) | merge (by key)
    partition_by: usage_date      # days: the day column
    unique_key: [usage_id]
    foreign_keys:                 # column: model.column (a model of the same domain)
      content_id: content.content_id
      order_id: {references: orders.order_id, within_days: 31}
    suite: usage_logs             # SUITES key in include/domains/<domain>/expectations/<layer>.py

The SQL is a Jinja template. ``{{ source('usage_logs') }}`` is a bronze table of the domain,
``{{ ref('content') }}`` another model as this run sees it (staged if this run built it),
``{{ published('usage_logs') }}`` a model as readers see it, ``{{ this }}`` the model's own
published relation, ``{{ window_start }}``/``{{ window_end }}`` the days an incremental model
rebuilds (end exclusive), and ``is_incremental()`` whether it builds on its published state.
Names are quoted by psycopg2; nothing else is interpolated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from graphlib import TopologicalSorter
from pathlib import Path

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from psycopg2 import sql

from include.elt.contract.domain import Domain
from include.elt.contract.patterns import TEMPLATE_VARIABLES
from include.elt.core.days import Days
from include.elt.core.errors import FinalError
from include.elt.core.paths import REPO_ROOT

MODEL_LAYERS = ("silver", "gold")
# What a model may be, as its declaration says (``materialized``, and an incremental model's
# ``strategy``): each is one module of include/elt/stages/materialize, with its build and publish.
MATERIALIZATIONS = ("view", "table", "days", "merge")
REJECT_COLUMN = "reject_reason"
_DECLARATION_KEYS = {
    "grain",
    "description",
    "materialized",
    "strategy",
    "partition_by",
    "unique_key",
    "foreign_keys",
    "suite",
}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class ModelError(FinalError, ValueError):
    """A model's declaration or template is wrong; the message names the file."""


@dataclass(frozen=True)
class ForeignKey:
    column: str
    model: str
    parent_column: str
    # The parent row is at most this many days older than the child (for a day-partitioned
    # parent: only those days are read to check the reference).
    within_days: int | None = None


@dataclass(frozen=True)
class Model:
    domain: str
    layer: str
    name: str
    path: Path
    grain: str
    materialization: str  # one of MATERIALIZATIONS
    unique_key: tuple[str, ...]
    suite: str
    partition_by: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    description: str = ""
    template: str = field(default="", repr=False)
    # the models it refs and the bronze datasets it reads (found by rendering its template)
    refs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def relation(self) -> str:
        return f"{self.domain}_{self.name}"

    @property
    def qualified(self) -> str:
        """The published relation, ``layer.domain_name``."""
        return f"{self.layer}.{self.relation}"

    @property
    def sql_file(self) -> str:
        """Its SQL file as logs and audit rows name it: relative to the repository if there."""
        try:
            return str(self.path.resolve().relative_to(REPO_ROOT))
        except ValueError:
            return str(self.path)

    @property
    def stage_schema(self) -> str:
        return stage_schema(self.layer)

    @property
    def incremental(self) -> bool:
        return self.materialization in ("days", "merge")

    @property
    def changes(self) -> str:
        """Staged rows of an incremental model (the next state is a view over them)."""
        return f"{self.relation}__changes"

    @property
    def batch(self) -> tuple[str, str]:
        """The relation its gate validates: what this run changed, or all of a table/view."""
        return self.stage_schema, self.changes if self.incremental else self.relation


def stage_schema(layer: str) -> str:
    return f"{layer}_stage"


# The last reading of each domain's folder: (what it read, the models). A process reads a
# folder again when a file changes (the DAG processor runs for weeks): the old reading goes.
_READ: dict[tuple[str, Path], tuple[tuple, tuple[Model, ...]]] = {}


def _load(domain: Domain) -> tuple[Model, ...]:
    """The domain's declared models, re-read when a file changes."""
    sql_dir = domain.sql_dir
    files = sorted(
        (p, p.stat().st_mtime_ns)
        for layer in MODEL_LAYERS
        for p in (sql_dir / layer).glob("*.[sy][qm][l]")
    )
    variables = tuple(sorted(domain.template_variables.items()))
    read, stamp = _READ.get((domain.name, sql_dir)), (tuple(files), variables)
    if read is None or read[0] != stamp:
        read = _READ[(domain.name, sql_dir)] = (stamp, _parse(domain.name, sql_dir, variables))
    return read[1]


def _parse(domain_name: str, sql_dir: Path, variables: tuple) -> tuple[Model, ...]:
    found = []
    for layer in MODEL_LAYERS:
        folder = sql_dir / layer
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.sql")):
            found.append(_declared(domain_name, layer, path, variables))
    names = [m.name for m in found]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ModelError(f"{domain_name}: model names must be unique across layers: {duplicated}")
    return tuple(found)


def models(domain: Domain, layer: str | None = None) -> list[Model]:
    """A domain's models in build order (a model after every model it refs)."""
    everything = _load(domain)
    by_name = {m.name: m for m in everything}
    graph = {m.name: set(dependencies(m)) for m in everything}
    for name, refs in graph.items():
        unknown = refs - set(by_name)
        if unknown:
            raise ModelError(f"{by_name[name].path}: ref() to unknown models {sorted(unknown)}")
    ordered = [by_name[n] for n in TopologicalSorter(graph).static_order()]
    return [m for m in ordered if layer is None or m.layer == layer]


def model(domain: Domain, name: str) -> Model:
    for m in _load(domain):
        if m.name == name:
            return m
    raise ModelError(f"domain {domain.name!r} has no model {name!r}")


def _declared(domain_name: str, layer: str, path: Path, variables: tuple = ()) -> Model:
    declaration = path.with_suffix(".yml")
    if not declaration.is_file():
        raise ModelError(f"{path}: no declaration {declaration.name} beside it")
    raw = yaml.safe_load(declaration.read_text()) or {}
    unknown = set(raw) - _DECLARATION_KEYS
    if unknown:
        raise ModelError(f"{declaration}: unknown keys {sorted(unknown)}")
    materialization = _materialization(declaration, raw)
    key = tuple(raw.get("unique_key") or ())
    if materialization != "view" and not key:
        raise ModelError(f"{declaration}: a {materialization} model needs a unique_key")
    if materialization == "days" and not raw.get("partition_by"):
        raise ModelError(f"{declaration}: strategy days needs partition_by (the day column)")
    for required in ("grain", "suite"):
        if not raw.get(required):
            raise ModelError(f"{declaration}: {required} is required")
    names = [*key, raw.get("partition_by") or "x", raw["suite"]]
    bad = [n for n in names if not _NAME.match(n)]
    if bad:
        raise ModelError(f"{declaration}: not plain lowercase names: {bad}")
    template = path.read_text()
    refs, sources = _references(path, template, variables)
    return Model(
        domain=domain_name,
        layer=layer,
        name=path.stem,
        path=path,
        grain=raw["grain"].strip(),
        materialization=materialization,
        unique_key=key,
        suite=raw["suite"],
        partition_by=raw.get("partition_by"),
        foreign_keys=tuple(
            _foreign_key(declaration, c, v) for c, v in (raw.get("foreign_keys") or {}).items()
        ),
        description=(raw.get("description") or "").strip(),
        template=template,
        refs=refs,
        sources=sources,
    )


def _materialization(declaration: Path, raw: dict) -> str:
    """The declaration's ``materialized`` (and, if incremental, its ``strategy``) as one of
    :data:`MATERIALIZATIONS`."""
    materialized = raw.get("materialized", "table")
    if materialized == "incremental":
        strategy = raw.get("strategy")
        if strategy not in ("days", "merge"):
            raise ModelError(f"{declaration}: incremental needs strategy: days or merge")
        return strategy
    if materialized not in ("view", "table"):
        raise ModelError(f"{declaration}: materialized must be view, table or incremental")
    return materialized


def _foreign_key(declaration: Path, column: str, value) -> ForeignKey:
    within = None
    if isinstance(value, dict):
        within = value.get("within_days")
        value = value.get("references", "")
    target = str(value).split(".")
    if len(target) != 2 or not all(_NAME.match(p) for p in [column, *target]):
        raise ModelError(f"{declaration}: foreign key {column}: write model.column, got {value!r}")
    return ForeignKey(column, target[0], target[1], within)


# --- rendering ------------------------------------------------------------------------------

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@dataclass(frozen=True)
class Scope:
    """How names resolve while rendering: ``staged`` models read from the stage, others from
    what is published; ``days`` are the days an incremental model rebuilds (``None``: all of
    them), ``{{ window_start }}`` and ``{{ window_end }}`` their bounds (the end excluded)."""

    staged: frozenset[str] = frozenset()
    days: Days | None = None
    incremental: bool = False


def render(domain: Domain, m: Model, scope: Scope, quote: Callable[[sql.Composable], str]) -> str:
    return render_text(domain, m.template, scope, quote, this=m, where=str(m.path))


def render_text(
    domain: Domain,
    text: str,
    scope: Scope,
    quote: Callable[[sql.Composable], str],
    *,
    this: Model | None = None,
    where: str = "SQL",
) -> str:
    """Render a template (a model, a suite's SQL) with the domain's names."""
    known = {m.name: m for m in _load(domain)}

    def model_named(name: str) -> Model:
        if name not in known:
            raise ModelError(f"{where}: ref to unknown model {name!r}")
        return known[name]

    def published(name: str) -> str:
        m = model_named(name)
        return quote(sql.Identifier(m.layer, m.relation))

    def ref(name: str) -> str:
        m = model_named(name)
        if m.name in scope.staged:
            return quote(sql.Identifier(m.stage_schema, m.relation))
        return published(name)

    def source(name: str) -> str:
        try:
            dataset = domain.dataset(name)
        except KeyError as exc:
            raise ModelError(f"{where}: source to unknown dataset {name!r}") from exc
        return quote(sql.Identifier("bronze", domain.relation(dataset.name)))

    start, stop = (scope.days.start, scope.days.stop) if scope.days else (None, None)
    context = {
        "ref": ref,
        "source": source,
        "published": published,
        "this": published(this.name) if this else None,
        "window_start": _day_literal(start, quote, "-infinity"),
        "window_end": _day_literal(stop, quote, "infinity"),
        "is_incremental": lambda: scope.incremental,
        **TEMPLATE_VARIABLES,
        **domain.template_variables,
    }
    try:
        return _ENV.from_string(text).render(context)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"{where}: cannot render: {exc}") from exc


def _day_literal(day: date | None, quote, unbounded: str) -> str:
    value = day.isoformat() if day else unbounded
    return quote(sql.SQL("{}::date").format(sql.Literal(value)))


def dependencies(m: Model) -> list[str]:
    """The models ``m`` refs."""
    return list(m.refs)


def sources(m: Model) -> list[str]:
    """The bronze datasets ``m`` reads."""
    return list(m.sources)


def _references(path: Path, template: str, variables: tuple) -> tuple[tuple, tuple]:
    """The models a template refs and the datasets it reads: found by rendering it (both
    branches of ``is_incremental()``), as Jinja has no static list of calls."""
    name = path.stem
    refs, srcs = [], []

    def recording(kind: list[str]):
        def call(name: str) -> str:
            kind.append(name)
            return name

        return call

    context = {
        "ref": recording(refs),
        "published": recording([]),
        "source": recording(srcs),
        "this": name,
        "window_start": "x",
        "window_end": "x",
        **TEMPLATE_VARIABLES,
        **dict(variables),
    }
    for incremental in (True, False):
        try:
            _ENV.from_string(template).render(
                {**context, "is_incremental": lambda flag=incremental: flag}
            )
        except Exception as exc:
            raise ModelError(f"{path}: cannot render: {exc}") from exc
    return tuple(sorted(set(refs) - {name})), tuple(sorted(set(srcs)))
