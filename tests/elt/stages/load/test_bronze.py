"""The bronze tables, which the load makes and owns."""

from __future__ import annotations

import pytest

from include.elt.stages.load.bronze import ensure_bronze


def test_a_bronze_table_of_another_version_is_refused_naming_its_columns(warehouse, domain):
    """An upgrade that declares a new column meets the old table: a clear error, not a COPY
    failing on the column count."""
    from dataclasses import replace

    from include.elt.contract.datasets import Column
    from include.elt.stages.load.bronze import _READY

    plans = domain.dataset("plans")
    newer = replace(plans, columns=(*plans.columns, Column("perks", "jsonb")))
    changed = replace(domain, datasets=(newer,))
    _READY.discard((warehouse, domain.name))
    with pytest.raises(RuntimeError, match=r"streaming_plans .*missing \['perks'\]"):
        ensure_bronze(warehouse, changed)
