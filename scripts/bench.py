#!/usr/bin/env python
"""Benchmark: prints figures, asserts nothing. Runs on a throwaway PostgreSQL server.

    python scripts/bench.py                 # streaming, default scale, plus the 1M-row load
    python scripts/bench.py --usage-rows 2000000

1. The whole flow of each domain at default scale (60 days): wall time of every stage,
   generation and load rows/s.
2. About ``--usage-rows`` sessions (scale=large): generation rows/s, and the loader beside
   ``psql \\copy`` of the same file into the same table, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from include.devstack.postgres import TemporaryPostgres
from include.elt import pipeline
from include.elt.domain import load_domain
from include.elt.generate import generate
from include.elt.load import load_file
from include.elt.warehouse import bootstrap, transaction
from include.elt.window import Window

END = date(2026, 11, 20)
ECOMMERCE_END = date(2025, 11, 15)  # the end of seed 002's order history


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s"


def flow_at_default_scale(url: str, work: Path, domain: str, end: date) -> None:
    ctx = pipeline.RunContext(
        domain_name=domain,
        run_id=f"bench-{domain}",
        window=Window.ending(end, 60),
        scale="default",
        seed=42,
        warehouse_url=url,
        data_dir=work / domain,
    )
    started = time.perf_counter()
    pipeline.run(ctx)
    total = time.perf_counter() - started
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select task, duration_seconds, rows_out from audit.task_runs"
            " where run_id = %s order by started_at",
            [ctx.run_id],
        )
        stages = cur.fetchall()
    print(f"\n## {domain}, scale=default, window {ctx.window} (60 days)")
    print(f"{'stage':<18}{'seconds':>10}{'rows out':>12}   rate")
    for task, seconds, rows in stages:
        rate = _rate(rows, float(seconds)) if task in {"generate", "load_bronze"} else ""
        print(f"{task:<18}{float(seconds):>10.2f}{rows or 0:>12,}   {rate}")
    print(f"{'end to end':<18}{total:>10.2f}")


def load_against_psql(url: str, work: Path, usage_rows: int, repeat: int) -> None:
    domain = load_domain("streaming")
    dataset = domain.dataset("usage_logs")
    table = f"bronze.{domain.relation('usage_logs')}"
    probe = domain.generate(Window(END, END), scale="large", seed=42)["usage_logs"].table
    days = max(1, math.ceil(usage_rows / probe.num_rows))
    window = Window.ending(END, days)
    started = time.perf_counter()
    manifest = generate(domain, window, scale="large", seed=42, out_dir=work / "large")
    gen_seconds = time.perf_counter() - started
    generated = sum(f.rows for f in manifest.files)
    entry = next(f for f in manifest.files if f.dataset == "usage_logs")
    path = manifest.path_of(entry)
    size_mb = path.stat().st_size / 1e6
    print(f"\n## {entry.rows:,} usage rows (scale=large, {days} days, {size_mb:,.0f} MB CSV)")
    print(
        f"generate (all 5 datasets, {generated:,} rows): {gen_seconds:.2f}s, "
        f"{_rate(generated, gen_seconds)}"
    )

    bootstrap(url, domain)
    psql = shutil.which("psql")
    ours, theirs = [], []
    for _ in range(repeat):
        _truncate(url, table)
        t = time.perf_counter()
        load_file(url, domain, dataset, path, (window.start, window.end), "bench")
        ours.append(time.perf_counter() - t)
        _truncate(url, table)
        columns = ", ".join(dataset.column_names)
        t = time.perf_counter()
        subprocess.run(
            [
                psql,
                url,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                "set elt.run_id = 'bench'; set elt.source_file = 'psql'",
                "-c",
                f"\\copy {table} ({columns}) from '{path}' with (format csv, header)",
            ],
            check=True,
        )
        theirs.append(time.perf_counter() - t)
    best_ours, best_psql = min(ours), min(theirs)
    print(f"load (replace days, COPY):  {best_ours:.2f}s, {_rate(entry.rows, best_ours)}")
    print(f"psql \\copy, same file/table: {best_psql:.2f}s, {_rate(entry.rows, best_psql)}")
    print(f"loader / psql \\copy speed:   {best_psql / best_ours:.2f}x (target >= 0.9x)")


def _truncate(url: str, table: str) -> None:
    schema, name = table.split(".")
    from psycopg2 import sql

    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("truncate {}").format(sql.Identifier(schema, name)))
        cur.execute(sql.SQL("checkpoint"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--usage-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-flow", action="store_true", help="only the 1M-row load")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="elt-bench-"))
    print(f"# benchmark on {os.cpu_count()} cores, PostgreSQL throwaway server")
    try:
        with TemporaryPostgres() as pg:
            url = pg.create_database("warehouse")
            if not args.skip_flow:
                flow_at_default_scale(url, work, "streaming", END)
                flow_at_default_scale(
                    pg.create_database("ecommerce"), work, "ecommerce", ECOMMERCE_END
                )
            load_against_psql(url, work, args.usage_rows, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
