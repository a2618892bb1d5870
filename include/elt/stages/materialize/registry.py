"""The materializations, each a module holding its build and its publish, by the name a model's
declaration gives it (:data:`include.elt.contract.models.MATERIALIZATIONS`).

The package is not called ``build``: tools take a folder of that name for build output and
pass it over (ruff's and pytest's defaults do)."""

from __future__ import annotations

from types import ModuleType

from include.elt.contract.models import Model
from include.elt.stages.materialize import days, merge, table, view

# A model's `materialized:` names the module that builds and publishes it.
BY_NAME: dict[str, ModuleType] = {
    module.__name__.rsplit(".", 1)[-1]: module for module in (view, table, days, merge)
}


def materialization(m: Model) -> ModuleType:
    """The module that builds and publishes ``m``."""
    return BY_NAME[m.materialization]
