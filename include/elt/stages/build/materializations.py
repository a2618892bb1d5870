"""The materializations, each a module holding its build and its publish, by the name a model's
declaration gives it (:data:`include.elt.contract.models.MATERIALIZATIONS`)."""

from __future__ import annotations

from types import ModuleType

from include.elt.contract.models import Model
from include.elt.stages.build import days, merge, table, view

BY_NAME: dict[str, ModuleType] = {module.NAME: module for module in (view, table, days, merge)}


def materialization(m: Model) -> ModuleType:
    """The module that builds and publishes ``m``."""
    return BY_NAME[m.materialization]
