"""A layer's Great Expectations checkpoint, run on what this run changed (:mod:`.targets`).

GX is slow to start (a context, stores, Data Docs). Checkpoints run in an in-memory context, one
per warehouse for the whole process (GX's file stores re-read and re-write their YAML and JSON
on every access), and suites and assets are only made again when they change. The results are
kept for Data Docs (:mod:`.data_docs`), which a failing gate renders at once. The warehouse
password never reaches the GX folder: the datasource reads it from the environment.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass

from include.elt.contract.domain import Domain
from include.elt.files import storage
from include.elt.files.storage import safe_name
from include.elt.stages.validate.data_docs import build_data_docs, keep_for_docs, quiet_gx
from include.elt.stages.validate.targets import QualityError, Target, targets
from include.elt.warehouse.connection import sqlalchemy_url

log = logging.getLogger(__name__)

GX_URL_ENV = "ELT_GX_WAREHOUSE_URL"
DATASOURCE = "warehouse"
GATE_SHOWN = 10  # failed expectations a gate's audit row (and its alert) lists by name


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


_RUNTIME: dict[str, object] = {}
_RUNTIME_LOCK = threading.Lock()
_DEFINITIONS: dict[int, dict[str, object]] = {}
_SUITE_NAMES: dict[int, set[str]] = {}


def runtime_context(url: str):
    """The process's in-memory context for the warehouse at ``url``, its datasource.

    The datasource reads its URL from a variable of its own, set once before the context is
    made: the password stays out of GX's configuration, and making a context for another
    warehouse (another thread, another test) never turns this one's datasource towards it.
    """
    quiet_gx()
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
    keep_for_docs(gx_dir, runtime, result)
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
            + (f"\nData Docs: {index}" if index else ""),
            gate={
                "failed": len(failures),
                "evaluated": evaluated,
                "expectations": [str(f) for f in failures[:GATE_SHOWN]],
                "data_docs_page": _failed_page(result),
            },
        )
    return outcome


def _failed_page(result) -> str | None:
    """The first failed validation's page, relative to the Data Docs site."""
    for key, validation in result.run_results.items():
        if not validation.success:
            return "/".join(("validations", *key.to_tuple())) + ".html"
    return None


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
