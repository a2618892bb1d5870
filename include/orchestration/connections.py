"""The warehouse as the tasks and the callbacks reach it: from the Airflow connections."""

from __future__ import annotations

from airflow.sdk import BaseHook

from include.elt.core.roles import STAGE_ROLES

# The Airflow connection of each warehouse role (AIRFLOW_CONN_WAREHOUSE_LOADER, ...).
WAREHOUSE_CONN_IDS = {role: f"warehouse_{role}" for role in STAGE_ROLES}


def warehouse():
    """The warehouse as each stage's role reaches it, from the Airflow connections."""
    from include.elt.warehouse.connection import Warehouse

    return Warehouse(
        **{
            role: BaseHook.get_connection(conn_id).get_uri()
            for role, conn_id in WAREHOUSE_CONN_IDS.items()
        }
    )
