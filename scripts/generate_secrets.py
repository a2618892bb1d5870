#!/usr/bin/env python
"""Create the platform's secrets once and keep them: nothing well-known, nothing committed.

    python scripts/generate_secrets.py /opt/airflow/secrets

A secret given in the environment (see .env.example) wins; else an existing one is kept; else a
random one is made. Writes, into the folder:
  airflow.env                 the Airflow settings every component sources at start
  simple_auth_manager_passwords.json   the admin login of the Airflow UI
  warehouse_password, metadata_db_password   for the PostgreSQL containers (*_PASSWORD_FILE)
Standard library only: it runs before anything else exists.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shlex
import sys
from pathlib import Path
from urllib.parse import quote

# file name -> (environment variable that may supply it, generator)
SECRETS = {
    "jwt_secret": ("AIRFLOW_JWT_SECRET", lambda: secrets.token_urlsafe(48)),
    "api_secret_key": ("AIRFLOW_API_SECRET_KEY", lambda: secrets.token_urlsafe(48)),
    "fernet_key": ("AIRFLOW_FERNET_KEY", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()),
    "admin_password": ("AIRFLOW_ADMIN_PASSWORD", lambda: secrets.token_urlsafe(18)),
    "warehouse_password": ("WAREHOUSE_PASSWORD", lambda: secrets.token_urlsafe(24)),
    "metadata_db_password": ("METADATA_DB_PASSWORD", lambda: secrets.token_urlsafe(24)),
}


def _setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def ensure_secrets(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    values = {}
    for file_name, (env_name, make) in SECRETS.items():
        path = folder / file_name
        value = os.environ.get(env_name) or (path.read_text().strip() if path.exists() else make())
        path.write_text(value + "\n")
        # Readable by the PostgreSQL containers' own user; the volume is mounted nowhere else.
        path.chmod(0o644)
        values[file_name] = value
    return values


def airflow_env(values: dict[str, str]) -> str:
    metadata = "postgresql+psycopg2://{user}:{pw}@{host}:{port}/{db}".format(
        user=_setting("METADATA_DB_USER", "airflow"),
        pw=quote(values["metadata_db_password"], safe=""),
        host=_setting("METADATA_DB_HOST", "airflow-db"),
        port=_setting("METADATA_DB_PORT", "5432"),
        db=_setting("METADATA_DB_NAME", "airflow"),
    )
    warehouse = "postgresql://{user}:{pw}@{host}:{port}/{db}".format(
        user=_setting("WAREHOUSE_USER", "warehouse"),
        pw=quote(values["warehouse_password"], safe=""),
        host=_setting("WAREHOUSE_HOST", "warehouse"),
        port=_setting("WAREHOUSE_INTERNAL_PORT", "5432"),
        db=_setting("WAREHOUSE_DB", "warehouse"),
    )
    lines = {
        "AIRFLOW__API_AUTH__JWT_SECRET": values["jwt_secret"],
        "AIRFLOW__API__SECRET_KEY": values["api_secret_key"],
        "AIRFLOW__CORE__FERNET_KEY": values["fernet_key"],
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW_CONN_WAREHOUSE": warehouse,
    }
    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in lines.items())


def main(folder: str) -> int:
    target = Path(folder)
    values = ensure_secrets(target)
    env_file = target / "airflow.env"
    env_file.write_text(airflow_env(values))
    env_file.chmod(0o600)
    users = {_setting("AIRFLOW_ADMIN_USER", "admin"): values["admin_password"]}
    passwords = target / "simple_auth_manager_passwords.json"
    passwords.write_text(json.dumps(users) + "\n")
    passwords.chmod(0o600)
    print(f"secrets ready in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/opt/airflow/secrets"))
