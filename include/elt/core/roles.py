"""The warehouse's roles: made by ``sql/platform/roles.sql`` (a test keeps the two in step),
given their passwords by ``scripts/generate_secrets.py``, their logins by the devstack and the
Airflow connections, and their rights by ``sql/platform/warehouse.sql``."""

# A stage connects as one of these (core.stages), each through a login of its own.
STAGE_ROLES = ("loader", "transformer", "validator")


def role_name(stage_role: str) -> str:
    """The PostgreSQL role of a stage role: ``loader`` -> ``elt_loader``."""
    return f"elt_{stage_role}"


# The roles people and their tools read gold as (a BI tool's login), with session limits of their
# own (include.elt.warehouse.readers).
READER_ROLES = ("analyst",)
# Every role: the owner runs the migrations, the readers read gold.
ROLES = ("elt_owner", *(role_name(r) for r in STAGE_ROLES), *READER_ROLES)
