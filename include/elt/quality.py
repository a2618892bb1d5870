"""Validate stage: a layer's Great Expectations checkpoint, run on what this run changed.

Each table is validated as a batch of the rows this run wrote: the days it loaded into bronze
(a view in ``bronze_stage``), the staged rows of an incremental silver or gold model, all of a
table or view the run rebuilt. Besides its suite (``include/domains/<domain>/expectations/``,
SQL written as templates like the models), each model gets the checks its declaration implies:
key not null and unique, also against the days it does not touch (by the key ranges recorded at
publish), and foreign keys into the next state of their parents. Every check runs as SQL in the
warehouse.

GX is slow to start (a context, stores, Data Docs). One context per warehouse serves a whole
process, suites and assets are only written when they change, and Data Docs are rendered once
per run: by ``publish``, or by the gate that failed. The warehouse password never reaches the GX
folder: the datasource reads it from the environment.

GX keeps its files in a folder on disk. When the base location is an object store, that folder
is a local copy (one per base and host): before each use it takes in the suites and results
other processes stored, after it the new and changed files are uploaded (:func:`_synced`). The
Data Docs site is only uploaded, page by page as they are rendered, so the index lists every
run whichever host ran it.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from psycopg2 import sql

from include.elt import data_docs_assets, storage
from include.elt.contract.domain import Domain
from include.elt.contract.models import Scope, models, render_text
from include.elt.core.days import Days
from include.elt.core.errors import FinalError
from include.elt.runs import safe_name
from include.elt.warehouse import catalog
from include.elt.warehouse.connection import sqlalchemy_url, transaction

log = logging.getLogger(__name__)

GX_URL_ENV = "ELT_GX_WAREHOUSE_URL"
DATASOURCE = "warehouse"
SITE = "local_site"
KEEP_RUNS = 14  # per suite, results of older runs are pruned (two weeks of daily runs)
INDEX_LIMIT = 120  # the Data Docs index lists the newest results only


class QualityError(FinalError, RuntimeError):
    """A checkpoint failed; the message lists every failing expectation."""


@dataclass(frozen=True)
class Failure:
    suite: str
    expectation: str
    detail: str

    def __str__(self) -> str:
        return f"{self.suite}: {self.expectation} — {self.detail}"


@dataclass(frozen=True)
class LayerValidation:
    layer: str
    success: bool
    evaluated: int
    failures: tuple[Failure, ...]
    data_docs_index: str | None


@dataclass(frozen=True)
class Target:
    """One suite, and the relation holding the rows it validates."""

    suite: str  # the published name, e.g. silver.shop_orders
    schema: str
    table: str
    expectations: list


SITE_PATH = f"gx/uncommitted/data_docs/{SITE}"
# What of the GX folder an object store keeps: the stores Data Docs are rendered from, the site.
SYNCED_STORES = ("gx/expectations", "gx/uncommitted/validations")
STATIC = ("static/",)  # in the site: GX's and the vendored assets


def data_docs_dir(gx_dir: storage.Location) -> storage.Location:
    return storage.location(gx_dir) / SITE_PATH


# --- the run's batches ----------------------------------------------------------------------


def prepare_bronze_batches(url: str, domain: Domain, run_id: str) -> None:
    """A view per bronze table over the days this run loaded (all of a reference table): the
    bronze gate's batches. Made by the load stage (the gates create nothing)."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select dataset, first_day, last_day from audit.loads"
            " where domain = %s and run_id = %s",
            [domain.name, run_id],
        )
        loaded = {name: (first, last) for name, first, last in cur.fetchall()}
        for dataset in domain.datasets:
            name = domain.relation(dataset.name)
            query = sql.SQL("select * from {}").format(sql.Identifier("bronze", name))
            first, last = loaded.get(dataset.name, (None, None))
            if dataset.partition_column and first:
                query += sql.SQL(" where {col} >= {lo} and {col} < {hi}").format(
                    col=sql.Identifier(dataset.partition_column),
                    lo=sql.Literal(first),
                    hi=sql.Literal(last + timedelta(days=1)),  # a timestamp's last day, whole
                )
            cur.execute(
                sql.SQL("drop view if exists {}").format(sql.Identifier("bronze_stage", name))
            )
            cur.execute(
                sql.SQL("create view {} as {}").format(sql.Identifier("bronze_stage", name), query)
            )


def targets(
    url: str, domain: Domain, layer: str, run_id: str, *, full_refresh: bool = False
) -> list[Target]:
    from include.elt.stages.validate.derived import derived_checks

    suites = importlib.import_module(f"{domain.expectations_module}.{layer}").SUITES
    with transaction(url) as conn, conn.cursor() as cur:
        quote = lambda c: c.as_string(cur)  # noqa: E731
        if layer == "bronze":
            scope = Scope()
            found = [
                Target(
                    domain.qualified("bronze", d.name),
                    "bronze_stage",
                    domain.relation(d.name),
                    _render_all(domain, suites[d.name](), scope, quote),
                )
                for d in domain.datasets
            ]
            return found
        cur.execute(
            "select model, layer, window_start, window_end from audit.staged_models"
            " where domain = %s and run_id = %s",
            [domain.name, run_id],
        )
        rows = cur.fetchall()
        staged = {name: layer for name, layer, _, _ in rows}
        rebuilt = {name: Days.until(start, stop) for name, _, start, stop in rows if start}
        if layer not in staged.values():
            raise QualityError(
                f"{domain.name} {layer}: run {run_id} staged nothing to validate"
                f" (build_{layer} must run first, in the same run)"
            )
        everything = models(domain)
        parents = {m.name: m for m in everything}
        found = []
        for m in (m for m in everything if m.layer == layer and m.name in staged):
            schema, table = m.batch
            days = rebuilt.get(m.name)
            key_type = _key_type(cur, m, schema, table)
            # Rows this run does not rebuild that refer to this model's keys: an incremental
            # model's other days. (A model rebuilt whole checks its own foreign keys.)
            keys_matter = not full_refresh and any(
                fk.model == m.name and c.incremental for c in everything for fk in c.foreign_keys
            )
            checks = derived_checks(
                m,
                parents,
                key_type=key_type,
                published=catalog.exists(cur, m.qualified),
                incremental=days is not None,
                keys_matter=keys_matter,
                overlapping_days=_overlapping_days(cur, m, schema, table, days, key_type),
            )
            checks += suites[m.suite]()
            scope = Scope(staged=frozenset(staged), days=days, incremental=days is not None)
            found.append(
                Target(m.qualified, schema, table, _render_all(domain, checks, scope, quote))
            )
        return found


def _overlapping_days(
    cur, m, schema: str, table: str, days: Days | None, key_type: str | None
) -> list:
    """Published days outside ``days`` whose key range overlaps the staged keys."""
    if days is None or m.materialization != "days" or not key_type or len(m.unique_key) != 1:
        return []
    key = sql.Identifier(m.unique_key[0])
    cur.execute(
        sql.SQL(
            "select p.day from audit.partitions as p,"
            " (select min({key}) as lo, max({key}) as hi from {batch}) as changed"
            " where p.relation = %s and not (p.day >= %s and p.day < %s)"
            " and p.key_min::{kind} <= changed.hi and p.key_max::{kind} >= changed.lo"
            " order by p.day"
        ).format(key=key, batch=sql.Identifier(schema, table), kind=sql.SQL(key_type)),
        [m.qualified, days.start, days.stop],
    )
    return [day for (day,) in cur.fetchall()]


def _key_type(cur, m, schema: str, table: str) -> str | None:
    if len(m.unique_key) != 1:
        return None
    return catalog.column_type(cur, f"{schema}.{table}", m.unique_key[0])


def _render_all(domain: Domain, expectations: list, scope: Scope, quote) -> list:
    import great_expectations.expectations as gxe

    rendered = []
    for e in expectations:
        if isinstance(e, gxe.UnexpectedRowsExpectation):
            query = render_text(domain, e.unexpected_rows_query, scope, quote, where=e.description)
            e = gxe.UnexpectedRowsExpectation(
                description=e.description, unexpected_rows_query=query
            )
        rendered.append(e)
    return rendered


# --- GX: one context per process ------------------------------------------------------------

# Checkpoints run in an in-memory context (GX's file stores re-read and re-write their YAML and
# JSON on every access); the file context under the data folder keeps what Data Docs show.
_RUNTIME: dict[str, object] = {}
_RUNTIME_LOCK = threading.Lock()
_DOCS: dict[str, object] = {}
_DEFINITIONS: dict[int, dict[str, object]] = {}
_SUITE_NAMES: dict[int, set[str]] = {}


def _quiet_gx() -> None:
    """GX logs its internals at INFO, some under file-path logger names: keep them to warnings."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401  (registers its loggers)

    for name in list(logging.root.manager.loggerDict):
        if "great_expectations" in name:
            logging.getLogger(name).setLevel(logging.WARNING)


def runtime_context(url: str):
    """The process's in-memory context for the warehouse at ``url``, its datasource.

    The datasource reads its URL from a variable of its own, set once before the context is
    made: the password stays out of GX's configuration, and making a context for another
    warehouse (another thread, another test) never turns this one's datasource towards it.
    """
    _quiet_gx()
    with _RUNTIME_LOCK:
        if url not in _RUNTIME:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            variable = f"{GX_URL_ENV}_{hashlib.sha256(url.encode()).hexdigest()[:16].upper()}"
            os.environ[variable] = sqlalchemy_url(url)
            ctx = gx.get_context(mode="ephemeral")
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
            ctx.data_sources.add_postgres(name=DATASOURCE, connection_string="${" + variable + "}")
            _RUNTIME[url] = ctx
        return _RUNTIME[url]


def docs_context(gx_dir: storage.Location):
    """The process's file context for ``gx_dir``: suites and results kept for Data Docs (for an
    object store, in its local copy: use it inside :func:`_synced`)."""
    _quiet_gx()
    key = str(gx_dir)
    if key not in _DOCS:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        project = _project(gx_dir)
        project.mkdir(parents=True, exist_ok=True)
        ctx = gx.get_context(mode="file", project_root_dir=str(project))
        if ctx.variables.progress_bars != ProgressBarsConfig(globally=False):
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
            ctx.variables.save()
        _configure_site(ctx)
        _DOCS[key] = ctx
    return _DOCS[key]


def _project(gx_dir: storage.Location) -> Path:
    """The folder GX works in: ``gx_dir`` itself, or the host's local copy of an object store's."""
    if storage.is_local(gx_dir):
        return Path(gx_dir)
    digest = hashlib.sha256(str(gx_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"elt-gx-{digest}"


@contextmanager
def _synced(gx_dir: storage.Location) -> Iterator[Path]:
    """The GX folder to work in (:func:`_project`), kept in step with an object store.

    The block runs under the host's lock on the local copy, after the copy took in the stored
    suites and results (only what it lacks, or holds in an older version, is downloaded); what
    the block changed is uploaded after it, and what it removed deleted. Of the site nothing is
    downloaded but the assets' stamp: GX's index lists the pages the site has, so an empty file
    stands for each stored page (a page rendered here replaces it), and while the stored site
    has this set of assets, GX's and the vendored static files are not sent again.
    """
    project = _project(gx_dir)
    if storage.is_local(gx_dir):
        yield project
        return
    project.mkdir(parents=True, exist_ok=True)
    with project.with_name(project.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        for part in SYNCED_STORES:
            storage.pull(gx_dir / part, project / part)
        storage.pull_names(gx_dir / SITE_PATH, project / SITE_PATH, skip=STATIC)
        stamp, local_stamp = (d / SITE_PATH / data_docs_assets.STAMP for d in (gx_dir, project))
        if stamp.exists():
            local_stamp.parent.mkdir(parents=True, exist_ok=True)
            local_stamp.write_bytes(stamp.read_bytes())
        else:
            local_stamp.unlink(missing_ok=True)
        assets_stored = data_docs_assets.installed(project / SITE_PATH)
        before = {p: storage.files_under(project / p) for p in (*SYNCED_STORES, SITE_PATH)}
        yield project
        for part, files in before.items():
            skip = STATIC if part == SITE_PATH and assets_stored else ()
            storage.push(project / part, gx_dir / part, files, skip=skip)


def _configure_site(ctx) -> None:
    """Data Docs rendered with views that compile GX's page templates once per process."""
    view = {"module_name": "include.elt.gx_views", "class_name": "CachedPageView"}
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": f"uncommitted/data_docs/{SITE}/",
        },
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": INDEX_LIMIT,
            "view": {"module_name": "include.elt.gx_views", "class_name": "CachedIndexPageView"},
        },
        "site_section_builders": {
            "expectations": {"view": view},
            "validations": {"view": view},
            "profiling": "None",
        },
    }
    if ctx.variables.data_docs_sites != {SITE: site}:
        ctx.variables.data_docs_sites = {SITE: site}
        ctx.variables.save()


def _forget_metrics(ctx) -> None:
    """GX keeps every metric it computed, by batch id, for as long as the datasource's engine
    lives, "assuming the user will not modify the core data store"; a whole-table batch has the
    same id in every run, and our data changes between runs of one process (the CLI, the
    tests): each checkpoint starts from an empty cache (it still shares metrics within)."""
    ctx.data_sources.get(DATASOURCE).get_execution_engine()._metric_cache.clear()


def _fingerprint(target: Target) -> str:
    configs = [e.configuration.to_json_dict() for e in target.expectations]
    return hashlib.sha256(json.dumps(configs, sort_keys=True).encode()).hexdigest()


def _definition(ctx, target: Target):
    """The validation definition of ``target`` in the in-memory context: made once per process,
    and again when its expectations or its batch change."""
    import great_expectations as gx

    fingerprint = _fingerprint(target)
    name = f"{target.suite}@{fingerprint[:12]}@{target.schema}.{target.table}"
    known = _DEFINITIONS.setdefault(id(ctx), {})
    if name not in known:
        asset = ctx.data_sources.get(DATASOURCE).add_table_asset(
            name=name, table_name=target.table, schema_name=target.schema
        )
        if target.suite in _SUITE_NAMES.setdefault(id(ctx), set()):
            ctx.suites.delete(target.suite)
        suite = ctx.suites.add(
            gx.ExpectationSuite(
                name=target.suite,
                expectations=target.expectations,
                meta={"fingerprint": fingerprint},
            )
        )
        _SUITE_NAMES[id(ctx)].add(target.suite)
        known[name] = ctx.validation_definitions.add(
            gx.ValidationDefinition(
                name=name, data=asset.add_batch_definition_whole_table("all"), suite=suite
            )
        )
    return known[name]


def _keep_for_docs(gx_dir: storage.Location, runtime, result) -> None:
    """Copy the checkpoint's results, and any suite that changed, into the Data Docs context."""
    with _synced(gx_dir):
        docs = docs_context(gx_dir)
        for key, validation in result.run_results.items():
            name = key.expectation_suite_identifier.name
            suite = runtime.suites.get(name)
            try:
                kept = docs.suites.get(name)
                current = kept.meta.get("fingerprint") == suite.meta.get("fingerprint")
            except Exception:
                current = False
            if not current:
                docs.suites.add_or_update(suite)
            docs.validation_results_store.set(key, validation)


# --- the stage ------------------------------------------------------------------------------


def validate_layer(
    url: str,
    domain: Domain,
    layer: str,
    run_id: str,
    gx_dir: storage.Location,
    *,
    full_refresh: bool = False,
    raise_on_failure: bool = True,
) -> LayerValidation:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    runtime = runtime_context(url)
    found = targets(url, domain, layer, run_id, full_refresh=full_refresh)
    _forget_metrics(runtime)
    checkpoint = gx.Checkpoint(
        name=f"{domain.name}_{layer}",
        validation_definitions=[_definition(runtime, t) for t in found],
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
    )
    result = runtime.checkpoints.add_or_update(checkpoint).run(
        run_id=RunIdentifier(run_name=safe_name(run_id))  # GX makes it part of file paths
    )
    _keep_for_docs(gx_dir, runtime, result)
    failures, evaluated = [], 0
    for validation in result.run_results.values():
        evaluated += len(validation.results)
        failures += [
            Failure(validation.suite_name, _describe_expectation(r), _describe_result(r))
            for r in validation.results
            if not r.success
        ]
    index = None
    if not result.success:  # the failure is what a person opens Data Docs for
        index = str(build_data_docs(gx_dir, run_id))
    outcome = LayerValidation(layer, result.success, evaluated, tuple(failures), index)
    log.info(
        "%s %s checkpoint: %s, %d expectations, %d failed",
        domain.name,
        layer,
        "passed" if outcome.success else "FAILED",
        evaluated,
        len(failures),
    )
    for failure in failures:
        log.error("failed expectation %s", failure)
    if raise_on_failure and not outcome.success:
        raise QualityError(
            f"{domain.name} {layer} checkpoint failed"
            f" {len(failures)} of {evaluated} expectations:\n"
            + "\n".join(f"  - {f}" for f in failures)
            + (f"\nData Docs: {index}" if index else "")
        )
    return outcome


def _describe_expectation(result) -> str:
    config = result.expectation_config
    if config.description:
        return f"{config.type} ({config.description})"
    kwargs = {k: v for k, v in config.kwargs.items() if k not in {"batch_id"}}
    return f"{config.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def _describe_result(result) -> str:
    info = result.exception_info or {}
    # GX reports an error either flat or keyed by the metric that raised it.
    errors = [info] + [v for v in info.values() if isinstance(v, dict)]
    for error in errors:
        if error.get("raised_exception") or error.get("exception_message"):
            return f"raised: {str(error.get('exception_message'))[:500]}"
    details = result.result or {}
    if result.expectation_config.type == "unexpected_rows_expectation":
        rows = details.get("observed_value")
        return f"its query returned {rows} row{'' if rows == 1 else 's'}"
    if "observed_value" in details:
        return f"observed {details['observed_value']!r}"
    if "unexpected_count" in details:
        sample = details.get("partial_unexpected_list") or []
        return f"{details['unexpected_count']} unexpected, e.g. {sample[:5]!r}"
    return repr(details)[:300]


def build_data_docs(gx_dir: storage.Location, run_id: str | None = None) -> storage.Location:
    """Render the pages of ``run_id``'s validations (all, if ``None``) and the index.

    Validation results of older runs beyond the last ``KEEP_RUNS`` per suite are pruned first,
    so the index and the folder stay the size of a month of daily runs, not of the history.
    The pages load their scripts and styles from the site (``data_docs_assets``), copied in
    after rendering.
    """
    with _synced(gx_dir) as project:
        ctx = docs_context(gx_dir)
        store = ctx.validation_results_store
        keys = store.list_keys()
        _prune(project, store, keys)
        site = data_docs_dir(project)
        if not data_docs_assets.installed(site):
            _render_all_again(ctx, site)
        elif run_id is None:
            ctx.build_data_docs()
        else:
            wanted = [k for k in store.list_keys() if k.run_id.run_name == safe_name(run_id)]
            suites = {k.expectation_suite_identifier for k in wanted}
            ctx.build_data_docs(resource_identifiers=[*wanted, *_stale_pages(project, suites)])
        data_docs_assets.install(site)
    return data_docs_dir(gx_dir) / "index.html"


def _render_all_again(ctx, site: Path) -> None:
    """Pages rendered before this set of vendored assets link to CDNs or to older pins: those
    the index lists are rendered again, older validations' pages (not listed) are removed."""
    started = time.time() - 1
    ctx.build_data_docs()
    for page in (site / "validations").rglob("*.html"):
        if page.stat().st_mtime < started:
            page.unlink()


def _stale_pages(gx_dir: Path, suites) -> list:
    """Suites whose page is missing or older than the suite: only those are rendered again."""
    stale = []
    for suite in suites:
        parts = suite.to_tuple()
        saved = Path(gx_dir) / "gx" / "expectations" / Path(*parts).with_suffix(".json")
        page = data_docs_dir(gx_dir) / "expectations" / Path(*parts).with_suffix(".html")
        if not page.exists() or not saved.exists() or page.stat().st_mtime < saved.stat().st_mtime:
            stale.append(suite)
    return stale


def _prune(gx_dir: Path, store, keys) -> None:
    by_suite: dict[str, list] = {}
    for key in keys:
        by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
    for suite_keys in by_suite.values():
        suite_keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        runs = []
        for key in suite_keys:
            if key.run_id.run_name not in runs:
                runs.append(key.run_id.run_name)
            if len(runs) > KEEP_RUNS:
                store.remove_key(key)
                page = data_docs_dir(gx_dir) / "validations" / Path(*key.to_tuple())
                page.with_suffix(".html").unlink(missing_ok=True)
