"""The warehouse roles made by scripts/warehouse-init.sh: what each may and may not do.

Every probe runs in a transaction that is rolled back; "denied" means PostgreSQL refused it for
want of a privilege, not that it failed for any other reason."""

from __future__ import annotations

from datetime import date

import psycopg2
import pytest
from psycopg2 import errors

from include.elt import pipeline
from include.elt.core.days import Days
from tests.conftest import _server, new_warehouse
from tests.helpers import qualified, run_context

ROLES = ("elt_owner", "elt_loader", "elt_transformer", "elt_validator", "analyst")
Y, N = True, False
BRONZE_USAGE_LOGS = qualified("streaming", "bronze", "usage_logs")
BRONZE_PLANS = qualified("streaming", "bronze", "plans")
USAGE_LOGS = qualified("streaming", "silver", "usage_logs")
PLANS = qualified("streaming", "silver", "plans")
TOP_CONTENT = qualified("streaming", "gold", "top_content")
DAILY_USAGE = qualified("streaming", "gold", "daily_usage")
CUSTOMER_TOTALS = qualified("streaming", "gold", "customer_totals")

# probe -> allowed for (owner, loader, transformer, validator, analyst)
MATRIX = {
    f"select 1 from {BRONZE_USAGE_LOGS} limit 1": (Y, Y, Y, Y, N),
    f"select 1 from {USAGE_LOGS} limit 1": (Y, N, Y, Y, N),
    f"select 1 from {TOP_CONTENT} limit 1": (Y, N, Y, Y, Y),
    f"select 1 from {DAILY_USAGE} limit 1": (Y, N, Y, Y, Y),
    "select 1 from audit.task_runs limit 1": (Y, Y, Y, Y, N),
    # when gold was last published: the analyst sees it without reading audit
    "select 1 from gold.freshness limit 1": (Y, N, Y, Y, Y),
    # retention deletes audit history through this one function alone
    "select audit.prune_history(now() - interval '1000 years')": (Y, N, Y, N, N),
    "delete from audit.task_runs where false": (Y, N, N, N, N),
    f"insert into {BRONZE_PLANS} select * from {BRONZE_PLANS} limit 0": (
        Y,
        Y,
        N,
        N,
        N,
    ),
    f"insert into {PLANS} select * from {PLANS} limit 0": (
        Y,
        N,
        Y,
        N,
        N,
    ),
    f"delete from {CUSTOMER_TOTALS} where false": (Y, N, Y, N, N),
    # the owner is a member of the loader and the transformer (it sets what their tables grant)
    f"drop table {DAILY_USAGE} cascade": (Y, N, Y, N, N),
    "create table bronze.probe (x int)": (Y, Y, N, N, N),
    "create table silver.probe (x int)": (Y, N, Y, N, N),
    "create table audit.probe (x int)": (Y, N, N, N, N),
    "create table public.probe (x int)": (N, N, N, N, N),
    "insert into audit.task_runs select * from audit.task_runs limit 0": (Y, Y, Y, Y, N),
    "update audit.domain_profiles set seed = seed where false": (Y, Y, N, N, N),
    "delete from audit.domain_leases": (Y, N, N, N, N),
    "select audit.take_lease('probe', 'probe', '1 minute')": (Y, Y, Y, Y, N),
    "copy (select 1) to program 'id'": (N, N, N, N, N),
    f"copy {BRONZE_PLANS} from '/etc/passwd'": (N, N, N, N, N),
    "select pg_read_file('/etc/passwd')": (N, N, N, N, N),
    "create role probe": (N, N, N, N, N),
    "create database probe": (N, N, N, N, N),
    "set role elt_owner": (Y, N, N, N, N),
    "alter system set work_mem = '1MB'": (N, N, N, N, N),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    url = new_warehouse()
    day = date(2026, 3, 1)
    pipeline.run(
        run_context(url, tmp_path_factory.mktemp("roles"), "roles", Days(day, day), seed=1)
    )
    return url


# statements PostgreSQL runs outside a transaction only (so nothing to roll back: all refused)
OUTSIDE_A_TRANSACTION = ("create database", "alter system")


def _allowed(url: str, role: str, statement: str) -> bool:
    conn = psycopg2.connect(_server.role_url(role, url.rsplit("/", 1)[1]))
    conn.autocommit = statement.startswith(OUTSIDE_A_TRANSACTION)
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
        return True
    except (errors.InsufficientPrivilege, errors.InvalidSchemaName) as exc:
        return not exc  # refused for want of a privilege
    finally:
        if not conn.autocommit:
            conn.rollback()
        conn.close()


@pytest.mark.parametrize("statement", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix(warehouse, role, statement):
    expected = MATRIX[statement][ROLES.index(role)]
    assert _allowed(warehouse, role, statement) is expected, (
        f"{role} {'may' if expected else 'may not'}: {statement}"
    )


def test_the_analyst_reads_when_each_gold_relation_was_published(warehouse):
    conn = psycopg2.connect(_server.role_url("analyst", warehouse.rsplit("/", 1)[1]))
    try:
        with conn.cursor() as cur:
            cur.execute("select relation, last_run_id, first_day, last_day from gold.freshness")
            rows = cur.fetchall()
    finally:
        conn.close()
    assert {relation for relation, *_ in rows} >= {TOP_CONTENT, DAILY_USAGE, CUSTOMER_TOTALS}
    assert {tuple(row[1:]) for row in rows} == {("roles", date(2026, 3, 1), date(2026, 3, 1))}


@pytest.mark.parametrize("role", ROLES)
def test_no_role_holds_a_dangerous_attribute_or_membership(warehouse, role):
    rows = _server_query(
        warehouse,
        "select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,"
        " pg_has_role(rolname, 'pg_read_server_files', 'member'),"
        " pg_has_role(rolname, 'pg_write_server_files', 'member'),"
        " pg_has_role(rolname, 'pg_execute_server_program', 'member')"
        " from pg_roles where rolname = %s",
        [role],
    )
    assert rows == [(False,) * 8]


def _server_query(url: str, statement: str, params) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall()
    finally:
        conn.close()
