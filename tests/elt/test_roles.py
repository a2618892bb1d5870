"""The warehouse roles made by scripts/warehouse-init.sh: what each may and may not do.

Every probe runs in a transaction that is rolled back; "denied" means PostgreSQL refused it for
want of a privilege, not that it failed for any other reason. Who reads which relation is not
listed here relation by relation: every relation the domains declare (bronze datasets, silver
and gold models) is probed for every role, after each kind of publish."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import psycopg2
import pytest
from psycopg2 import errors, sql

from include.elt import pipeline
from include.elt.contract.domain import load_domain
from include.elt.contract.models import MATERIALIZATIONS, models
from include.elt.core.days import Days
from include.elt.core.roles import ROLES
from include.elt.core.stages import STAGE_NAMES
from tests.conftest import _server, new_warehouse
from tests.helpers import qualified, run_context

Y, N = True, False
BRONZE_PLANS = qualified("streaming", "bronze", "plans")
PLANS = qualified("streaming", "silver", "plans")
TOP_CONTENT = qualified("streaming", "gold", "top_content")
DAILY_USAGE = qualified("streaming", "gold", "daily_usage")
CUSTOMER_TOTALS = qualified("streaming", "gold", "customer_totals")
DOMAINS = ("streaming", "ecommerce")
# Who reads each layer: the owner (a member of every other role), the stage that
# writes it, the stages after it, and for gold the analyst. Staging schemas are read by the
# stages alone: the analyst sees a gold relation once it is published, not before.
READERS = {
    "bronze": {"elt_owner", "elt_loader", "elt_transformer", "elt_validator"},
    "silver": {"elt_owner", "elt_transformer", "elt_validator"},
    "gold": {"elt_owner", "elt_transformer", "elt_validator", "analyst"},
    "gold_stage": {"elt_owner", "elt_transformer", "elt_validator"},
}

# probe -> allowed for (owner, loader, transformer, validator, analyst)
MATRIX = {
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


def test_the_domains_publish_every_kind_of_gold():
    """What the next test covers: gold made by each materialization's publish."""
    kinds = {m.materialization for d in DOMAINS for m in models(load_domain(d), "gold")}
    assert kinds == set(MATERIALIZATIONS)


@pytest.mark.parametrize("domain_name", DOMAINS)
def test_each_role_reads_exactly_its_layers_after_every_kind_of_publish(domain_name, tmp_path):
    """Every relation a domain declares, probed as every role: after the first publish, while a
    daily run's gold waits in the stage, after that run's publish (tables moved, day partitions
    swapped, keys merged, views re-created) and after a full rebuild."""
    domain = load_domain(domain_name)
    published = {domain.qualified("bronze", d.name): "bronze" for d in domain.datasets}
    published.update({m.qualified: m.layer for m in models(domain)})
    url, first = new_warehouse(), date(2026, 3, 1)
    history = Days(first, first + timedelta(days=2))
    pipeline.run(run_context(url, tmp_path, "history", history, domain=domain_name))
    assert _unexpected_reads(url, published) == []

    day = Days.day(first + timedelta(days=3))
    daily = run_context(url, tmp_path, "daily", day, domain=domain_name, run_type="scheduled")
    pipeline.run(daily, [s for s in STAGE_NAMES if s != "publish"])
    staged = {relation: "gold_stage" for relation in _in_gold_stage(url, domain_name)}
    assert staged and _unexpected_reads(url, staged) == []
    pipeline.run(daily, ["publish"])
    assert _unexpected_reads(url, published) == []

    rebuild = run_context(url, tmp_path, "rebuild", day, domain=domain_name, full_refresh=True)
    pipeline.run(rebuild)
    assert _unexpected_reads(url, published) == []


def _in_gold_stage(url: str, domain_name: str) -> list[str]:
    """What a run staged of a domain's gold: tables, partitions, next-state views."""
    rows = _server_query(
        url,
        "select 'gold_stage.' || relname from pg_class"
        " where relnamespace = 'gold_stage'::regnamespace and relkind in ('r', 'p', 'v')"
        " and relname like %s order by 1",
        [f"{domain_name}\\_%"],
    )
    return [relation for (relation,) in rows]


def _unexpected_reads(url: str, relations: dict[str, str]) -> list[str]:
    """Each (role, relation) whose read went otherwise than ``READERS`` of its layer says."""
    wrong = []
    with _sessions(url) as sessions:
        for role, conn in sessions.items():
            for relation, layer in relations.items():
                reads = _reads(conn, relation)
                if reads != (role in READERS[layer]):
                    wrong.append(f"{role} {'reads' if reads else 'cannot read'} {relation}")
    return wrong


@contextmanager
def _sessions(url: str) -> Iterator[dict[str, psycopg2.extensions.connection]]:
    database = url.rsplit("/", 1)[1]
    sessions = {role: psycopg2.connect(_server.role_url(role, database)) for role in ROLES}
    try:
        yield sessions
    finally:
        for conn in sessions.values():
            conn.close()


def _reads(conn, relation: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("savepoint probe")
        try:
            cur.execute(
                sql.SQL("select from {} limit 1").format(sql.Identifier(*relation.split(".")))
            )
            return True
        except errors.InsufficientPrivilege:
            return False
        finally:
            cur.execute("rollback to savepoint probe")


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
