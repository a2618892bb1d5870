"""The bronze tables, which the load makes and owns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from include.elt.core.days import Days
from include.elt.stages.generate import generate
from include.elt.stages.load.bronze import ensure_bronze
from tests.elt.stages.load.conftest import END, PLANS, RUN, USAGE_LOGS, file_entry, folder
from tests.helpers import count, load, qualified


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


def test_the_bronze_gate_reads_the_days_the_run_loaded(
    warehouse, warehouse_url, domain, manifest, tmp_path
):
    """Each bronze table's batch is a view over the run's days (all of a reference table)."""
    load(warehouse_url, manifest, RUN)
    day = Days.day(END + timedelta(days=1))
    later = generate(domain, day, scale="tiny", seed=5, out_dir=folder(tmp_path, "later"))
    load(warehouse_url, later, "later")
    batch = qualified("streaming", "bronze_stage", "usage_logs")
    usage = file_entry(later, "usage_logs").rows
    assert count(warehouse_url, batch) == usage < count(warehouse_url, USAGE_LOGS)
    assert count(warehouse_url, qualified("streaming", "bronze_stage", "plans")) == count(
        warehouse_url, PLANS
    )
