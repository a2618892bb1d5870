"""Every materialization a model may declare is one module, with its build and its publish."""

from __future__ import annotations

from include.elt.contract.models import MATERIALIZATIONS
from include.elt.stages.materialize.registry import BY_NAME


def test_each_materialization_is_one_module_building_and_publishing_it():
    assert set(BY_NAME) == set(MATERIALIZATIONS)
    for name, module in BY_NAME.items():
        assert module.__name__ == f"include.elt.stages.materialize.{name}"
        assert callable(module.build) and callable(module.publish)
        assert isinstance(module.ALWAYS_REPUBLISHED, bool)
