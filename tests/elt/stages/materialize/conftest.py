"""What the materializations' tests share: a domain of models each test declares itself, built
and published on a warehouse of its own (no bronze: the models select their own rows)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml

from include.elt.contract.domain import Domain
from include.elt.contract.models import model
from include.elt.stages.materialize import builder, publisher
from tests.conftest import roles
from tests.toy_domain import DOMAIN as TOY


@dataclass
class Scratch:
    domain: Domain
    url: str  # the transformer's login: what builds and publishes
    superuser: str  # for the tests' own queries

    def declare(self, layer: str, name: str, sql: str, **declaration) -> None:
        """Write a model: its SQL and its declaration (``grain`` and ``suite`` given)."""
        folder = Path(self.domain.sql_dir) / layer
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.sql").write_text(sql + "\n")
        declared = {"grain": f"one row per {name}", "suite": name, **declaration}
        (folder / f"{name}.yml").write_text(yaml.safe_dump(declared))

    def build(self, name: str, run_id: str = "r", changes: builder.Changes | None = None):
        return builder.build(self.url, self.domain, model(self.domain, name), run_id, changes)

    def publish(self, run_id: str = "r") -> list[publisher.Published]:
        return publisher.publish(self.url, self.domain, run_id)


@pytest.fixture
def scratch(tmp_path, warehouse_url) -> Scratch:
    domain = replace(TOY, name="scratch", sql_root=tmp_path)
    return Scratch(domain, roles(warehouse_url).transformer, warehouse_url)
