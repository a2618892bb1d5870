"""The stage table: the flow's order, and what each stage connects as and holds."""

from __future__ import annotations

from include.elt.core.roles import STAGE_ROLES
from include.elt.core.stages import STAGE_NAMES, STAGES, stage, stage_of


def test_the_stages_run_in_the_flow_order():
    assert STAGE_NAMES == (
        "generate",
        "load_bronze",
        "commit_bronze",
        "validate_bronze",
        "build_silver",
        "validate_silver",
        "build_gold",
        "validate_gold",
        "publish",
    )


def test_every_stage_connects_as_a_stage_role_and_the_gates_write_nothing():
    assert {s.role for s in STAGES} <= set(STAGE_ROLES)
    assert {s.role for s in STAGES if s.action == "validate"} == {"validator"}
    assert {s.role for s in STAGES if s.layer == "bronze" and s.action != "validate"} == {"loader"}


def test_the_domain_is_held_from_the_first_gate_to_the_publish():
    leased = [s.name for s in STAGES if s.leased]
    assert leased == list(STAGE_NAMES[STAGE_NAMES.index("validate_bronze") :])


def test_a_task_belongs_to_its_stage():
    assert stage_of("load_bronze[plans]") == "load_bronze"
    assert stage_of("build_silver.orders") == "build_silver"
    assert stage("build_gold.daily_sales").parts == "model"
    assert stage("load_bronze[plans]").parts == "dataset"
    assert stage("publish").layer is None
