#!/usr/bin/env python
"""The Airflow UI's administrator, in the FAB auth manager's user table (run by airflow-init).

    python scripts/ensure_admin.py

Creates the user ``AIRFLOW_ADMIN_USER`` (default ``admin``) with the Admin role at the first
start; at every later start it keeps the password equal to the secrets volume's
``admin_password`` (so a password chosen later in .env takes effect, and ``make logins`` always
prints the one that works). The password is read from that file, never from a command line.
Other users: ``airflow users create --role Viewer ...`` (see the README).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
    from werkzeug.security import check_password_hash

    username = os.environ.get("AIRFLOW_ADMIN_USER") or "admin"
    secrets = Path(os.environ.get("ELT_SECRETS_DIR", "/opt/airflow/secrets"))
    password = (secrets / "admin_password").read_text().strip()
    with get_application_builder() as appbuilder:
        security = appbuilder.sm
        user = security.find_user(username=username)
        if user is None:
            admin = security.find_role("Admin")
            if not security.add_user(
                username, "Airflow", "Admin", f"{username}@localhost", admin, password
            ):
                print(f"could not create the Airflow user {username}", file=sys.stderr)
                return 1
            print(f"Airflow user {username} created with the Admin role")
        elif not check_password_hash(user.password, password):
            security.reset_password(user.id, password)
            print(f"Airflow user {username}: password set to the secrets volume's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
