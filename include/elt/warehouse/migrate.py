"""Bring the warehouse's schemas, platform tables and privileges up to this version.

    python -m include.elt.warehouse.migrate        # as the owner: ELT_WAREHOUSE_OWNER_URL

airflow-init runs it at every start (the warehouse's own init made the roles and the first
version at its first start); every statement of ``sql/platform/warehouse.sql`` is idempotent.
"""

from __future__ import annotations

import os
import sys

from include.elt.core.paths import SQL_ROOT
from include.elt.warehouse.connection import transaction
from include.elt.warehouse.locks import MIGRATE_LOCK, advisory_lock

OWNER_URL_ENV = "ELT_WAREHOUSE_OWNER_URL"


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
    print("warehouse migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
