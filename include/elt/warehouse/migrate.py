"""Bring the warehouse's schemas, platform tables and privileges up to this version, and the
readers' session limits up to the configured ones.

    python -m include.elt.warehouse.migrate        # as the owner: ELT_WAREHOUSE_OWNER_URL,
                                                   # and as the analyst: ELT_WAREHOUSE_ANALYST_URL

airflow-init runs it at every start (the warehouse's own init made the roles and the first
version at its first start); every statement of ``sql/platform/warehouse.sql`` is idempotent.
"""

from __future__ import annotations

import os
import sys

from include.elt.core.paths import SQL_ROOT
from include.elt.warehouse import readers
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.locks import MIGRATE_LOCK, advisory_lock

OWNER_URL_ENV = "ELT_WAREHOUSE_OWNER_URL"
# The reader's own login: a role sets its own session limits (include.elt.warehouse.readers).
ANALYST_URL_ENV = "ELT_WAREHOUSE_ANALYST_URL"


def migrate(owner_url: str) -> None:
    """Run ``sql/platform/warehouse.sql`` as the owner of what it makes, one migration at a
    time."""
    with transaction(owner_url) as conn, conn.cursor() as cur:
        advisory_lock(cur, MIGRATE_LOCK)
        cur.execute((SQL_ROOT / "platform" / "warehouse.sql").read_text())


def main() -> int:
    url = os.environ.get(OWNER_URL_ENV)
    if not url:
        print(f"error: {OWNER_URL_ENV} is not set (the warehouse owner's login)", file=sys.stderr)
        return 2
    migrate(url)
    analyst = os.environ.get(ANALYST_URL_ENV)
    if analyst:
        readers.set_limits(analyst)
        shown = ", ".join(f"{k}={v}" for k, v in readers.configured_limits().items())
        print(f"analyst's session limits: {shown}")
    print("warehouse migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
