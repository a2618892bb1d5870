"""The gates' Great Expectations contexts, on real warehouses."""

from __future__ import annotations

from include.elt.stages.validate import checkpoint
from tests.conftest import new_warehouse, roles


def test_each_warehouse_keeps_its_own_gx_datasource():
    """Contexts are kept per warehouse for the process: making one for another warehouse must
    not turn an earlier one's datasource towards it."""
    first, second = (roles(new_warehouse()).validator for _ in range(2))
    context = checkpoint.runtime_context(first)
    checkpoint.runtime_context(second)
    engine = context.data_sources.get(checkpoint.DATASOURCE).get_execution_engine().engine
    assert engine.url.database == first.rsplit("/", 1)[1]
