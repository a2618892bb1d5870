"""What a layer's gate validates: each table's batch and its suite."""

from __future__ import annotations

import pytest

from include.elt.contract.domain import load_domain
from include.elt.stages.validate.targets import QualityError, targets
from include.elt.warehouse import batches
from tests.conftest import roles

STREAMING = load_domain("streaming")


def test_the_bronze_gate_validates_the_runs_own_batch_of_every_dataset(warehouse_url):
    found = targets(roles(warehouse_url).validator, STREAMING, "bronze", "r")
    assert [(t.suite, t.schema, t.table) for t in found] == [
        (
            STREAMING.qualified("bronze", d.name),
            "bronze_stage",
            batches.batch_name(STREAMING.relation(d.name), "r"),
        )
        for d in STREAMING.datasets
    ]
    assert all(t.expectations for t in found)


def test_a_gate_of_a_layer_the_run_staged_nothing_of_is_refused(warehouse_url):
    with pytest.raises(QualityError, match="run r staged nothing to validate"):
        targets(roles(warehouse_url).validator, STREAMING, "silver", "r")
