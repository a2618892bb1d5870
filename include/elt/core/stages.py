"""The stages of one run, in flow order: the one table the pipeline, the CLI and the DAG builder
read. Names and values only, so a DAG file can import it for free."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    action: str  # what it does: generate, load, commit, validate, build or publish
    layer: str | None  # the layer it loads, validates or builds
    role: str  # the warehouse role it connects as (core.roles.STAGE_ROLES)
    leased: bool  # holds the domain's lease while it runs (include.elt.warehouse.locks)
    # done in parts, each with its own audit row: per "dataset" (one task loads them all), or
    # per "model" (a task each, in the DAG)
    parts: str | None = None

    @property
    def name(self) -> str:
        return self.action if self.layer is None else f"{self.action}_{self.layer}"


STAGES = (
    Stage("generate", None, role="loader", leased=False),
    Stage("load", "bronze", role="loader", leased=False, parts="dataset"),
    Stage("commit", "bronze", role="loader", leased=False),
    Stage("validate", "bronze", role="validator", leased=True),
    Stage("build", "silver", role="transformer", leased=True, parts="model"),
    Stage("validate", "silver", role="validator", leased=True),
    Stage("build", "gold", role="transformer", leased=True, parts="model"),
    Stage("validate", "gold", role="validator", leased=True),
    Stage("publish", None, role="transformer", leased=True),
)
STAGE_NAMES = tuple(s.name for s in STAGES)
_BY_NAME = {s.name: s for s in STAGES}


def stage(name: str) -> Stage:
    """The stage called ``name``, or of a task that is part of one (:func:`stage_of`)."""
    return _BY_NAME[stage_of(name)]


def stage_of(task: str) -> str:
    """The stage a task is part of: ``load_bronze[plans]`` (a dataset's load) and
    ``build_silver.orders`` (a model's build) are parts of theirs."""
    return task.split("[", 1)[0].split(".", 1)[0]
