"""What the tests share: the one way they ask for a run, the platform's load of a generated
folder, and small queries."""

from __future__ import annotations

import importlib
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import psycopg2
from psycopg2 import sql

from include.elt import pipeline
from include.elt.contract.datasets import LINEAGE_COLUMNS
from include.elt.contract.domain import load_domain
from include.elt.contract.models import Scope, models, render_text
from include.elt.core.days import Days
from include.elt.files import storage
from include.elt.files.manifest import Manifest
from include.elt.stages.load.commit import LoadResult
from include.elt.warehouse.connection import Warehouse, transaction
from tests.conftest import roles


def run_context(
    warehouse: str | Warehouse | None,
    data_dir: storage.Location,
    run_id: str,
    window: Days,
    *,
    domain: str = "streaming",
    scale: str = "tiny",
    seed: int = 42,
    **asked,
) -> pipeline.RunContext:
    """A run as the tests ask for one: on the warehouse at a superuser URL (through its stage
    roles' logins), on a :class:`Warehouse`, or with none (generate alone); ``asked``: the
    rest of what a run may ask for (volumes, run type, replace history...)."""
    if isinstance(warehouse, str):
        warehouse = roles(warehouse)
    return pipeline.RunContext(
        domain_name=domain,
        run_id=run_id,
        window=window,
        scale=scale,
        seed=seed,
        warehouse=warehouse,
        data_dir=data_dir,
        **asked,
    )


def load(
    warehouse: str | Warehouse, manifest: Manifest, run_id: str, *, dataset: str | None = None
) -> list[LoadResult]:
    """Load a generated folder as the platform does (the pipeline's ``load_bronze`` and
    ``commit_bronze``: audited, the gate's batches made), as the run ``run_id`` whose folder is
    beside it (it is copied there first, unless it is that folder): a folder generated into
    ``storage.run_folder(base, domain, run)``. ``dataset``: that one's load task alone, and no
    commit."""
    base = storage.location(manifest.folder).parent.parent.parent  # <base>/runs/<domain>/<run>
    world = manifest.world
    ctx = run_context(
        warehouse,
        base,
        run_id,
        manifest.plan.window,
        domain=manifest.domain,
        scale=world.scale,
        seed=world.seed,
    )
    _place(storage.location(manifest.folder), ctx.run_folder)
    pipeline.load_bronze(ctx, dataset)
    return [] if dataset else pipeline.commit_bronze(ctx)


def _place(folder: storage.Location, target: storage.Location) -> None:
    if str(folder) == str(target):
        return
    if storage.is_local(folder):
        shutil.copytree(folder, target, dirs_exist_ok=True)
    else:
        folder.fs.copy(folder.path, target.path, recursive=True)


def query(url: str, statement: str | sql.Composable, params=None) -> list[tuple]:
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


def qualified(domain_name: str, layer: str, name: str) -> str:
    """A table's name as SQL writes it, ``layer.<domain>_<name>``, by the platform's rule."""
    return load_domain(domain_name).qualified(layer, name)


def count(url: str, relation: str) -> int:
    """Rows of ``relation`` (``schema.name``)."""
    statement = sql.SQL("select count(*) from {}").format(sql.Identifier(*relation.split(".")))
    return query(url, statement)[0][0]


def column_names(url: str, relation: str) -> list[str]:
    schema, name = relation.split(".")
    return [
        column
        for (column,) in query(
            url,
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            [schema, name],
        )
    ]


def checksum(url: str, relation: str) -> str:
    """md5 of every row's data columns in key order; lineage (run id, load time) is excluded."""
    data = [c for c in column_names(url, relation) if c not in LINEAGE_COLUMNS]
    row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, data)))
    statement = sql.SQL(
        "select md5(coalesce(string_agg({row}, '|' order by {row}), '')) from {t}"
    ).format(row=row, t=sql.Identifier(*relation.split(".")))
    return query(url, statement)[0][0]


def relations(domain_name: str) -> list[str]:
    """Every published relation of a domain: bronze tables and silver/gold models."""
    domain = load_domain(domain_name)
    return [domain.qualified("bronze", d.name) for d in domain.datasets] + [
        m.qualified for m in models(domain)
    ]


def warehouse_state(url: str, domain_name: str = "streaming") -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table and view of a domain, as readers see them."""
    return layer_state(url, domain_name, "bronze", "silver", "gold")


def layer_state(url: str, domain_name: str, *layers: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of the relations of a domain in ``layers``."""
    return {
        relation: (count(url, relation), checksum(url, relation))
        for relation in relations(domain_name)
        if relation.split(".")[0] in layers
    }


def first_rows(url: str, relation: str, key: tuple[str, ...], limit: int) -> list[list]:
    """The first ``limit`` rows of ``relation`` by ``key``, each value as PostgreSQL's text."""
    statement = sql.SQL("select {} from {} as t order by {} limit %s").format(
        sql.SQL(", ").join(
            sql.SQL("t.{}::text").format(sql.Identifier(c)) for c in column_names(url, relation)
        ),
        sql.Identifier(*relation.split(".")),
        sql.SQL(", ").join(sql.Identifier("t", k) for k in key),
    )
    return [list(row) for row in query(url, statement, [limit])]


def analytics_previews(log_path: Path) -> dict[str, tuple[str, list[list[str]]]]:
    """Each relation's last preview in an analytics log: its caption, then its column names and
    rows cell by cell (padding stripped)."""
    previews: dict[str, list[str]] = {}
    relation = None
    for line in log_path.read_text().splitlines():
        if line.startswith("    "):
            previews.setdefault(relation, []).append(line.removeprefix("    "))
        else:  # "<time> compiled <kind> <relation> from <file>...: <n> rows"
            relation = line.split()[3]
            previews.pop(relation, None)
    return {
        r: (lines[0], [[c.strip() for c in line.split(" | ")] for line in [lines[1], *lines[3:]]])
        for r, lines in previews.items()
    }


def assert_gold_previews_are_published(url: str, domain_name: str, log_path: Path) -> None:
    """The analytics log's last preview of each gold relation is the first five rows readers
    now see in it, by its declared key; no other layer has one."""
    previews = analytics_previews(log_path)
    gold = models(load_domain(domain_name), "gold")
    assert set(previews) == {m.qualified for m in gold}
    for m in gold:
        caption, (header, *rows) = previews[m.qualified]
        expected = first_rows(url, m.qualified, m.unique_key, 5)
        assert caption == f"preview: first {len(expected)} rows by {', '.join(m.unique_key)}"
        assert header == column_names(url, m.qualified), m.qualified
        assert rows == [[_shown(v) for v in row] for row in expected], m.qualified


def _shown(value: str | None) -> str:
    """A value as the preview shows it: null spelled out, cut to 40 characters."""
    if value is None:
        return "null"
    return value if len(value) <= 40 else value[:37] + "..."


def failing_rows(
    url: str, domain_name: str, layer: str, suite: str, description: str, planted: str
) -> int:
    """Rows the check of ``suite`` whose description starts with ``description`` returns on a
    copy of the published relation with ``planted`` (SQL on ``planted_batch``) applied; ``-1``
    if the clean relation already fails: how a test proves a gate catches a violation."""
    domain = load_domain(domain_name)
    module = importlib.import_module(f"{domain.expectations_module}.{layer}")
    [check] = [c for c in module.SUITES[suite]() if (c.description or "").startswith(description)]
    relation = domain.qualified(layer, suite)
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        text = render_text(domain, check.unexpected_rows_query, Scope(), lambda c: c.as_string(cur))
        cur.execute(text.replace("{batch}", relation))
        if cur.fetchall():
            return -1
        cur.execute(f"create temp table planted_batch as select * from {relation}")
        cur.execute(planted)
        # the check may read the relation by name too (history, a bronze source): the plant
        schema, table = relation.split(".")
        planted_text = text.replace("{batch}", "planted_batch")
        cur.execute(planted_text.replace(f'"{schema}"."{table}"', "planted_batch"))
        found = len(cur.fetchall())
        conn.rollback()
    return found


# What a page loads by itself (a person's links, <a href>, are not loads).
_LOADS = re.compile(
    r"""<(?:script|img)\b[^>]*?\bsrc=["']([^"']+)"""
    r"""|<link\b[^>]*?\bhref=["']([^"']+)"""
    r"""|url\(\s*['"]?([^'")]+)"""
)


def outside_loads(site: Path) -> dict[str, list[str]]:
    """For each page of a Data Docs site, what it would load from outside the site or that the
    site lacks; empty when the site renders with no network."""
    found = {}
    for page in site.rglob("*.html"):
        missing = []
        for match in _LOADS.finditer(page.read_text()):
            ref = next(g for g in match.groups() if g)
            if ref.startswith("data:"):
                continue
            local = ref.split("?", 1)[0]
            target = (page.parent / local).resolve()
            if "//" in ref or not target.is_relative_to(site.resolve()) or not target.is_file():
                missing.append(ref)
        if missing:
            found[page.relative_to(site).as_posix()] = missing
    return found


def concurrently(call: Callable, arguments: Iterable) -> list[Exception]:
    """``call(a)`` for each argument, each in its own thread, all at once; what they raised."""
    errors: list[Exception] = []

    def one(argument) -> None:
        try:
            call(argument)
        except Exception as exc:  # the caller asserts on them
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(a,)) for a in arguments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def plant_in_usage_file(ctx: pipeline.RunContext) -> None:
    """The run's own streaming usage file says every tenth session completed 350% of its
    content (what the bronze gate's completion_rate check catches)."""
    manifest = Manifest.read(ctx.run_folder)
    path = manifest.path_of(next(f for f in manifest.files if f.dataset == "usage_logs"))
    lines = path.read_text().splitlines()
    for i in range(1, len(lines), 10):
        lines[i] = lines[i].rsplit(",", 1)[0] + ",3.5"
    path.write_text("\n".join(lines) + "\n")


def in_process(dag):
    """``dag``, ready for ``dag.test()``: without its Deadline Alert. Airflow 3.3.2's
    ``dag.test()`` schedules a copy of the DAG that holds the alert as its serialized form, not
    the id the DAG processor stores it under, and fails as the run ends (``can't adapt type
    'dict'``). The deadline is tested on the running platform (tests/stack/test_alerts.py)."""
    dag.deadline = None
    return dag
