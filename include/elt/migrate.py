"""Bring the warehouse's schemas, platform tables and privileges up to this version.

    python -m include.elt.migrate        # as the owner: ELT_WAREHOUSE_OWNER_URL

airflow-init runs it at every start (the warehouse's own init made the roles and the first
version at its first start); every statement is idempotent.
"""

from __future__ import annotations

import os
import sys

from include.elt.warehouse import migrate

OWNER_URL_ENV = "ELT_WAREHOUSE_OWNER_URL"


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
