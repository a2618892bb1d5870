#!/usr/bin/env python
"""Create the platform's secrets once and keep them: nothing well-known, nothing committed.

    python scripts/generate_secrets.py /secrets

A secret given in the environment (see .env.example) wins; else an existing one is kept; else a
random one is made. Each consumer gets a folder of its own, so each container mounts only what
it uses; folders are 0700 and files 0600 (as root, ELT_SECRETS_OWNERS sets their owners, e.g.
``airflow=50000:0,warehouse-db=999:999``):

  airflow/          airflow.cfg (Airflow's secret settings: JWT secret, API secret key, Fernet
                    key, metadata database URI; for the CeleryExecutor the broker URL and the
                    result backend), airflow.env (one warehouse connection per stage role, and
                    the alerts' SMTP server when ELT_ALERT_SMTP_HOST is set),
                    admin_password (the UI administrator's, set by airflow-init)
  warehouse-db/     superuser_password (used by the warehouse's own init alone),
                    role_passwords.sql (each role's password as a SCRAM verifier, not in clear)
  metadata-db/      password
  warehouse-admin/  owner.env (the migration login, for airflow-init), analyst_password
  redis/            redis.conf (the Celery broker's ``requirepass``), password (its healthcheck)
  flower/           airflow.env (the broker URL and Flower's login: nothing else), password

Standard library only (and the platform's list of roles, plain values): it runs before
anything else exists.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shlex
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from include.elt.core.roles import ROLES as WAREHOUSE_ROLES
from include.elt.core.roles import STAGE_ROLES, role_name
from include.elt.warehouse.passwords import scram_verifier
from include.elt.warehouse.passwords import write_private as _write

FOLDERS = ("airflow", "warehouse-db", "metadata-db", "warehouse-admin", "redis", "flower")
# secret -> (environment variable that may supply it, folder/file that keeps it, generator)
SECRETS = {
    "jwt_secret": ("AIRFLOW_JWT_SECRET", "airflow/jwt_secret", lambda: secrets.token_urlsafe(48)),
    "api_secret_key": (
        "AIRFLOW_API_SECRET_KEY",
        "airflow/api_secret_key",
        lambda: secrets.token_urlsafe(48),
    ),
    "fernet_key": (
        "AIRFLOW_FERNET_KEY",
        "airflow/fernet_key",
        lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    ),
    "admin_password": (
        "AIRFLOW_ADMIN_PASSWORD",
        "airflow/admin_password",
        lambda: secrets.token_urlsafe(18),
    ),
    "warehouse_password": (
        "WAREHOUSE_PASSWORD",
        "warehouse-db/superuser_password",
        lambda: secrets.token_urlsafe(24),
    ),
    "metadata_db_password": (
        "METADATA_DB_PASSWORD",
        "metadata-db/password",
        lambda: secrets.token_urlsafe(24),
    ),
    "owner_password": (
        "ELT_OWNER_PASSWORD",
        "warehouse-admin/owner_password",
        lambda: secrets.token_urlsafe(24),
    ),
    "analyst_password": (
        "ANALYST_PASSWORD",
        "warehouse-admin/analyst_password",
        lambda: secrets.token_urlsafe(24),
    ),
    "loader_password": (
        "ELT_LOADER_PASSWORD",
        "airflow/loader_password",
        lambda: secrets.token_urlsafe(24),
    ),
    "transformer_password": (
        "ELT_TRANSFORMER_PASSWORD",
        "airflow/transformer_password",
        lambda: secrets.token_urlsafe(24),
    ),
    "validator_password": (
        "ELT_VALIDATOR_PASSWORD",
        "airflow/validator_password",
        lambda: secrets.token_urlsafe(24),
    ),
    "redis_password": ("REDIS_PASSWORD", "redis/password", lambda: secrets.token_urlsafe(24)),
    "flower_password": ("FLOWER_PASSWORD", "flower/password", lambda: secrets.token_urlsafe(18)),
}
# the warehouse's login roles and the secret that keeps each one's password (elt_owner: owner)
ROLES = {role: f"{role.removeprefix('elt_')}_password" for role in WAREHOUSE_ROLES}


def _setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def ensure_secrets(root: Path) -> dict[str, str]:
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder).chmod(0o700)
    values = {}
    for name, (env_name, file, make) in SECRETS.items():
        path = root / file
        value = os.environ.get(env_name) or (path.read_text().strip() if path.exists() else make())
        _write(path, value + "\n")
        values[name] = value
    return values


def role_passwords_sql(values: dict[str, str], kept: str) -> str:
    """Each role's ``alter role ... password`` with its verifier. A verifier already ``kept``
    stays as it is while it matches the password (its salt is random: made anew, the file would
    change at every start for nothing)."""
    old = dict(re.findall(r"alter role (\w+) password '([^']+)'", kept))
    lines = []
    for role, key in ROLES.items():
        verifier = old.get(role, "")
        salt = verifier.split("$")[1].split(":")[1] if verifier.count("$") == 2 else ""
        if not salt or scram_verifier(values[key], salt=base64.b64decode(salt)) != verifier:
            verifier = scram_verifier(values[key])
        lines.append(f"alter role {role} password '{verifier}';\n")
    return "".join(lines)


def _uri(
    user: str, password: str, host: str, port: str, db: str, scheme: str = "postgresql"
) -> str:
    return f"{scheme}://{user}:{quote(password, safe='')}@{host}:{port}/{db}"


def warehouse_uri(values: dict[str, str], role: str) -> str:
    return _uri(
        role,
        values[ROLES[role]],
        _setting("WAREHOUSE_HOST", "warehouse"),
        _setting("WAREHOUSE_INTERNAL_PORT", "5432"),
        _setting("WAREHOUSE_DB", "warehouse"),
    )


def metadata_uri(values: dict[str, str], scheme: str) -> str:
    return _uri(
        _setting("METADATA_DB_USER", "airflow"),
        values["metadata_db_password"],
        _setting("METADATA_DB_HOST", "airflow-db"),
        _setting("METADATA_DB_PORT", "5432"),
        _setting("METADATA_DB_NAME", "airflow"),
        scheme=scheme,
    )


def broker_url(values: dict[str, str]) -> str:
    return _uri(
        "",
        values["redis_password"],
        _setting("REDIS_HOST", "redis"),
        _setting("REDIS_PORT", "6379"),
        "0",
        scheme="redis",
    )


def airflow_cfg(values: dict[str, str]) -> str:
    """Airflow's own secret settings as an ``airflow.cfg`` (the containers' AIRFLOW_CONFIG):
    read by every Airflow process, ``docker compose exec`` and healthchecks included, which
    bypass the entrypoint. ``%`` is doubled: the file is read with interpolation."""
    sections = {
        "core": {"fernet_key": values["fernet_key"]},
        "database": {"sql_alchemy_conn": metadata_uri(values, "postgresql+psycopg2")},
        "api": {"secret_key": values["api_secret_key"]},
        "api_auth": {"jwt_secret": values["jwt_secret"]},
        # Read only under the CeleryExecutor (docker-compose.celery.yml); harmless otherwise.
        "celery": {
            "broker_url": broker_url(values),
            "result_backend": metadata_uri(values, "db+postgresql"),
        },
    }
    return "\n".join(
        f"[{section}]\n"
        + "".join(f"{key} = {value.replace('%', '%%')}\n" for key, value in options.items())
        for section, options in sections.items()
    )


def airflow_env(values: dict[str, str]) -> str:
    """The platform's warehouse logins, one Airflow connection per stage role, and the alerts'
    SMTP server: loaded by the entrypoint, so the tasks the scheduler or a worker runs, and the
    callbacks of the DAG processor and the triggerer, inherit them."""
    connections = {
        f"AIRFLOW_CONN_WAREHOUSE_{role.upper()}": warehouse_uri(values, role_name(role))
        for role in STAGE_ROLES
    }
    smtp = alerts_smtp_connection()
    if smtp:
        connections["AIRFLOW_CONN_ELT_ALERTS"] = smtp
    return _env_file(connections)


# ELT_ALERT_SMTP_SECURITY -> the SMTP connection's extras
SMTP_SECURITY = {
    "starttls": {"disable_ssl": True, "disable_tls": False},
    "ssl": {"disable_ssl": False, "disable_tls": True},
    "none": {"disable_ssl": True, "disable_tls": True},
}


def alerts_smtp_connection() -> str | None:
    """The SMTP server alerts are sent through, as an Airflow connection in JSON (None: no
    ELT_ALERT_SMTP_HOST). Its password is given here, and kept in this one 0600 file."""
    host = os.environ.get("ELT_ALERT_SMTP_HOST")
    if not host:
        return None
    security = _setting("ELT_ALERT_SMTP_SECURITY", "starttls")
    if security not in SMTP_SECURITY:
        raise SystemExit(
            f"ELT_ALERT_SMTP_SECURITY={security!r}: choose one of {', '.join(SMTP_SECURITY)}"
        )
    connection = {
        "conn_type": "smtp",
        "host": host,
        "port": int(_setting("ELT_ALERT_SMTP_PORT", "587")),
        "login": os.environ.get("ELT_ALERT_SMTP_USER") or None,
        "password": os.environ.get("ELT_ALERT_SMTP_PASSWORD") or None,
        "extra": {**SMTP_SECURITY[security], "timeout": 30, "retry_limit": 3},
    }
    return json.dumps(connection)


def flower_env(values: dict[str, str]) -> str:
    """Flower's settings: the broker, and a login of its own (the administrator's name, not the
    UI's password: a Flower container holds no Airflow secret)."""
    login = f"{_setting('AIRFLOW_ADMIN_USER', 'admin')}:{values['flower_password']}"
    return _env_file(
        {
            "AIRFLOW__CELERY__BROKER_URL": broker_url(values),
            "AIRFLOW__CELERY__FLOWER_BASIC_AUTH": login,
        }
    )


def _env_file(lines: dict[str, str]) -> str:
    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in lines.items())


def _chown(root: Path) -> None:
    """As root (the compose ``secrets`` service): each folder to the user of its container."""
    owners = os.environ.get("ELT_SECRETS_OWNERS", "")
    if not owners or os.geteuid() != 0:
        return
    for entry in owners.split(","):
        folder, ids = entry.split("=")
        uid, gid = (int(i) for i in ids.split(":"))
        for path in [root / folder, *(root / folder).iterdir()]:
            os.chown(path, uid, gid)


def main(folder: str) -> int:
    root = Path(folder)
    values = ensure_secrets(root)
    _write(root / "airflow/airflow.cfg", airflow_cfg(values))
    _write(root / "airflow/airflow.env", airflow_env(values))
    _write(root / "flower/airflow.env", flower_env(values))
    verifiers = root / "warehouse-db/role_passwords.sql"
    kept = verifiers.read_text() if verifiers.exists() else ""
    _write(verifiers, role_passwords_sql(values, kept))
    _write(
        root / "warehouse-admin/owner.env",
        _env_file(
            {
                "ELT_WAREHOUSE_OWNER_URL": warehouse_uri(values, "elt_owner"),
                "ELT_WAREHOUSE_ANALYST_URL": warehouse_uri(values, "analyst"),
            }
        ),
    )
    # A config file, so the password is on no command line; redis-server reads it at start.
    _write(root / "redis/redis.conf", f"requirepass {values['redis_password']}\n")
    _chown(root)
    print(f"secrets ready in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/secrets"))
