"""Validate stage: run a layer's Great Expectations checkpoint against the warehouse.

Suites are Python (``include/domains/<domain>/expectations/<layer>.py``); the generated JSON,
validation results and Data Docs live in a file context under the data folder (build output).
The warehouse password never reaches that folder: the datasource reads it from the environment.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from include.elt.domain import Domain
from include.elt.warehouse import sqlalchemy_url

log = logging.getLogger(__name__)

GX_URL_ENV = "ELT_GX_WAREHOUSE_URL"
DATASOURCE = "warehouse"


class QualityError(RuntimeError):
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


def data_docs_dir(gx_dir: Path) -> Path:
    return Path(gx_dir) / "gx" / "uncommitted" / "data_docs" / "local_site"


def _quiet_gx() -> None:
    """GX logs its internals at INFO, some under file-path logger names: keep them to warnings."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401  (registers its loggers)

    for name in list(logging.root.manager.loggerDict):
        if "great_expectations" in name:
            logging.getLogger(name).setLevel(logging.WARNING)


def _context(gx_dir: Path):
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    Path(gx_dir).mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()
    return context


def validate_layer(
    url: str, domain: Domain, layer: str, run_id: str, gx_dir: Path, *, raise_on_failure=True
) -> LayerValidation:
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    suites = importlib.import_module(f"{domain.expectations_module}.{layer}").SUITES
    context = _context(gx_dir)
    os.environ[GX_URL_ENV] = sqlalchemy_url(url)
    datasource = context.data_sources.add_or_update_postgres(
        name=DATASOURCE, connection_string="${" + GX_URL_ENV + "}"
    )
    definitions = []
    for table, configure in suites.items():
        relation = domain.relation(table)
        name = f"{layer}.{relation}"
        batch = datasource.add_table_asset(
            name=name, table_name=relation, schema_name=layer
        ).add_batch_definition_whole_table("whole_table")
        suite = context.suites.add_or_update(
            gx.ExpectationSuite(name=name, expectations=configure())
        )
        definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )
        )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"{domain.name}_{layer}",
            validation_definitions=definitions,
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
        )
    )
    result = checkpoint.run(run_id=RunIdentifier(run_name=run_id))
    failures, evaluated = [], 0
    for validation in result.run_results.values():
        evaluated += len(validation.results)
        failures += [
            Failure(validation.suite_name, _describe_expectation(r), _describe_result(r))
            for r in validation.results
            if not r.success
        ]
    index = data_docs_dir(gx_dir) / "index.html"
    outcome = LayerValidation(
        layer, result.success, evaluated, tuple(failures), str(index) if index.exists() else None
    )
    log.info(
        "%s %s checkpoint: %s, %d expectations, %d failed; Data Docs: %s",
        domain.name,
        layer,
        "passed" if outcome.success else "FAILED",
        evaluated,
        len(failures),
        outcome.data_docs_index,
    )
    for failure in failures:
        log.error("failed expectation %s", failure)
    if raise_on_failure and not outcome.success:
        raise QualityError(
            f"{domain.name} {layer} checkpoint failed"
            f" {len(failures)} of {evaluated} expectations:\n"
            + "\n".join(f"  - {f}" for f in failures)
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
    if "observed_value" in details:
        return f"observed {details['observed_value']!r}"
    if "unexpected_count" in details:
        sample = details.get("partial_unexpected_list") or []
        return f"{details['unexpected_count']} unexpected, e.g. {sample[:5]!r}"
    return repr(details)[:300]


def build_data_docs(gx_dir: Path) -> Path:
    _context(gx_dir).build_data_docs()
    return data_docs_dir(gx_dir) / "index.html"
