"""A warehouse of your own in one step: the platform's roles with generated passwords, then its
schemas, platform tables and privileges as their owner, what compose's warehouse does at its
first start (``scripts/warehouse-init.sh``).

    python scripts/elt.py init-warehouse --admin-url postgresql://postgres@db.example:5432/warehouse

The admin login (a superuser, or the database's owner with ``CREATEROLE``) is used for the roles
alone; the tables are made by ``elt_owner``, as :mod:`.migrate` makes them at every start of the
platform. The logins are written once to an env file only its owner can read; run again, the
command keeps the passwords that file holds, so it is safe to repeat after an upgrade.
"""

from __future__ import annotations

import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

from include.elt.core.paths import SQL_ROOT
from include.elt.core.roles import ROLES, STAGE_ROLES, role_name
from include.elt.warehouse.connection import SetupError, transaction
from include.elt.warehouse.migrate import migrate
from include.elt.warehouse.passwords import scram_verifier, write_private

# What the logins file sets: each stage role's Airflow connection (what the CLI and the DAGs
# read), the owner's (migrations) and the analyst's (a BI tool's).
STAGE_LOGIN = "AIRFLOW_CONN_WAREHOUSE_{}"
OWNER_LOGIN = "ELT_WAREHOUSE_OWNER_URL"
ANALYST_LOGIN = "ELT_WAREHOUSE_ANALYST_URL"


@dataclass(frozen=True)
class Initialised:
    logins: dict[str, str]  # variable -> URL, as written to the file
    generated: bool  # False: the passwords already in the file were kept


def login_url(admin_url: str, role: str, password: str) -> str:
    """``admin_url`` with another user and password: same host, port, database and options."""
    parts = urlsplit(admin_url)
    host = parts.hostname or ""
    netloc = f"{quote(role)}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def logins(admin_url: str, passwords: dict[str, str]) -> dict[str, str]:
    urls = {role: login_url(admin_url, role, passwords[role]) for role in ROLES}
    return {
        **{STAGE_LOGIN.format(r.upper()): urls[role_name(r)] for r in STAGE_ROLES},
        OWNER_LOGIN: urls["elt_owner"],
        ANALYST_LOGIN: urls["analyst"],
    }


def _kept_passwords(path: Path) -> dict[str, str] | None:
    """The roles' passwords in an existing logins file (None: no file, make new ones)."""
    if not path.exists():
        return None
    values = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export":
            _, url = words[1].split("=", 1)
            parts = urlsplit(url)
            values[parts.username] = parts.password or ""
    missing = set(ROLES) - set(values)
    if missing:
        raise SetupError(f"{path} has no login for {', '.join(sorted(missing))}: move it away")
    return {role: values[role] for role in ROLES}


def init_warehouse(admin_url: str, logins_file: Path) -> Initialised:
    """Make (or bring up to date) the roles, their passwords, the schemas and the platform
    tables of the database ``admin_url`` names; the logins go to ``logins_file`` (0600)."""
    kept = _kept_passwords(logins_file)
    passwords = kept or {role: secrets.token_urlsafe(24) for role in ROLES}
    try:
        conn = psycopg2.connect(admin_url.replace("postgresql+psycopg2://", "postgresql://", 1))
    except psycopg2.OperationalError as exc:
        raise SetupError(f"cannot connect with --admin-url: {' '.join(str(exc).split())}") from exc
    try:
        with conn, conn.cursor() as cur:
            cur.execute((SQL_ROOT / "platform" / "roles.sql").read_text())
            for role in ROLES:
                # a verifier, never the password: statement logs keep what is sent
                cur.execute(
                    sql.SQL("alter role {} password %s").format(sql.Identifier(role)),
                    [scram_verifier(passwords[role])],
                )
    except psycopg2.errors.InsufficientPrivilege as exc:
        raise SetupError(
            "--admin-url must be a superuser, or the database's owner with CREATEROLE:"
            f" {' '.join(str(exc).split())}"
        ) from exc
    finally:
        conn.close()
    urls = logins(admin_url, passwords)
    migrate(urls[OWNER_LOGIN])
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    write_private(logins_file, "".join(f"export {k}={shlex.quote(v)}\n" for k, v in urls.items()))
    return Initialised(urls, generated=kept is None)


def require_initialised(url: str) -> None:
    """Fail with what to run when the warehouse at ``url`` has no platform tables yet."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('audit.domain_profiles') is not null")
        (ready,) = cur.fetchone()
    if not ready:
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port or 5432}{parts.path}"
        raise SetupError(
            f"the warehouse {where} is not set up for the platform (no audit.domain_profiles):"
            f" run `scripts/elt.py init-warehouse --admin-url postgresql://<admin>@{where}`"
            " once, then source the logins file it writes"
        )
