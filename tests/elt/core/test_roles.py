"""The warehouse's roles: the platform's list and what sql/platform/roles.sql makes agree."""

from __future__ import annotations

import re

from include.elt.core.roles import ROLES, STAGE_ROLES, role_name
from tests.conftest import REPO


def test_roles_sql_makes_the_roles_the_platform_names():
    text = (REPO / "sql/platform/roles.sql").read_text()
    made = re.search(r"foreach name in array array\[(.*?)\]", text, re.DOTALL).group(1)
    assert tuple(re.findall(r"'(\w+)'", made)) == ROLES


def test_each_stage_role_is_a_role_of_its_own():
    assert [role_name(r) for r in STAGE_ROLES] == ["elt_loader", "elt_transformer", "elt_validator"]
    assert set(map(role_name, STAGE_ROLES)) < set(ROLES)
