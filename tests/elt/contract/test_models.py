"""Model declarations: every model declares itself once, and the suites follow them."""

from __future__ import annotations

import dataclasses
import gc
import importlib
import os
import shutil
from pathlib import Path

import pytest
from psycopg2 import sql

from include.elt.contract.domain import domain_names, load_domain
from include.elt.contract.models import (
    MODEL_LAYERS,
    Model,
    ModelError,
    Scope,
    _declared,
    dependencies,
    models,
    render,
)
from tests.toy_domain import DOMAIN as TOY

# The test-only toy domain keeps the same contract as the platform's own.
DOMAINS = [*(load_domain(name) for name in domain_names()), TOY]


def _quote(composable) -> str:
    """What psycopg2 would render, for plain names (no connection needed in these tests)."""
    if isinstance(composable, sql.Identifier):
        return ".".join(f'"{part}"' for part in composable.strings)
    return "'2026-01-01'::date"


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
@pytest.mark.parametrize("layer", MODEL_LAYERS)
def test_every_model_has_a_suite_and_every_suite_names_a_model(domain, layer):
    suites = importlib.import_module(f"{domain.expectations_module}.{layer}").SUITES
    declared = {m.suite for m in models(domain, layer)}
    assert declared <= set(suites), f"models without a suite: {declared - set(suites)}"
    assert set(suites) <= declared, f"suites no model names: {set(suites) - declared}"


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_models_come_after_everything_they_ref(domain):
    order = [m.name for m in models(domain)]
    for m in models(domain):
        for dependency in dependencies(m):
            assert order.index(dependency) < order.index(m.name), (m.name, dependency)


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_foreign_keys_name_models_of_the_domain(domain):
    names = {m.name for m in models(domain)}
    for m in models(domain):
        for fk in m.foreign_keys:
            assert fk.model in names, (m.name, fk)


def test_ref_reads_the_stage_only_for_models_this_run_staged():
    domain = load_domain("streaming")
    usage = next(m for m in models(domain) if m.name == "usage_logs")
    staged = render(domain, usage, Scope(staged=frozenset({"content"})), _quote)
    assert '"silver_stage"."streaming_content"' in staged
    assert '"silver"."streaming_subscriptions"' in staged  # not staged: the published one
    assert '"bronze"."streaming_usage_logs"' in staged


def test_a_domains_template_variables_come_from_its_design():
    """Accepted values and thresholds in SQL are the design module's, not retyped."""
    from include.domains.ecommerce import design as shop
    from include.domains.streaming import design as service

    ecommerce, streaming = load_domain("ecommerce"), load_domain("streaming")
    orders = next(m for m in models(ecommerce) if m.name == "orders")
    text = render(ecommerce, orders, Scope(), _quote)
    listed = ", ".join(f"'{status}'" for status in shop.ORDER_STATUSES)
    assert f"not in ({listed}) then 'unknown status'" in text
    usage = next(m for m in models(streaming) if m.name == "usage_logs")
    text = render(streaming, usage, Scope(), _quote)
    assert f"< {service.MIN_WATCHED} * content.duration_minutes" in text
    low, high = service.COMPLETION_CLIP
    assert f"not between {low} and {high}" in text


@pytest.mark.parametrize(
    ("yml", "message"),
    [
        ("grain: x\nsuite: s\nmaterialized: incremental\nunique_key: [k]\n", "strategy"),
        ("grain: x\nsuite: s\nmaterialized: table\n", "unique_key"),
        (
            "grain: x\nsuite: s\nunique_key: [k]\nmaterialized: incremental\nstrategy: days\n",
            "partition_by",
        ),
        ("suite: s\nunique_key: [k]\n", "grain is required"),
        ("grain: x\nsuite: s\nunique_key: [k]\ncolour: red\n", "unknown keys"),
        ("grain: x\nsuite: s\nunique_key: [k]\nforeign_keys: {a: b}\n", "model.column"),
    ],
)
def test_a_wrong_declaration_is_a_clear_error_naming_its_file(tmp_path: Path, yml, message):
    model = tmp_path / "thing.sql"
    model.write_text("select 1 as k\n")
    (tmp_path / "thing.yml").write_text(yml)
    with pytest.raises(ModelError, match=message) as error:
        _declared("d", "silver", model)
    assert "thing.yml" in str(error.value)


def test_a_model_without_a_declaration_is_refused(tmp_path: Path):
    model = tmp_path / "orphan.sql"
    model.write_text("select 1\n")
    with pytest.raises(ModelError, match=r"no declaration orphan\.yml"):
        _declared("d", "silver", model)


def test_editing_a_model_keeps_one_reading_of_its_domain_in_memory(tmp_path: Path):
    """A long-lived process (the DAG processor) reads the declarations again when a file
    changes: the earlier readings are let go, not kept for ever."""
    shutil.copytree(TOY.sql_dir, tmp_path / "toy")
    domain = dataclasses.replace(TOY, sql_root=tmp_path)
    declared = len(models(domain))
    visits = tmp_path / "toy/silver/visits.sql"
    for edit in range(1, 4):
        visits.write_text(visits.read_text() + f"-- edit {edit}\n")
        os.utime(visits, ns=(edit * 10**9, edit * 10**9))
        assert [m.template.count("-- edit") for m in models(domain) if m.name == "visits"] == [edit]
    gc.collect()
    # type(), not isinstance(): isinstance asks an object its __class__, and a lazy module's
    # stand-in (Airflow leaves some once its DAGs were imported) answers by importing.
    alive = [o for o in gc.get_objects() if type(o) is Model and tmp_path in o.path.parents]
    assert len(alive) == declared
