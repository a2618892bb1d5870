#!/usr/bin/env python
"""Measure what one day of daily runs adds to the disk, kind by kind, and what a year of them
holds with the retention settings (README "Operating it"): the platform without Docker, its first
runs filling the history, then one more day of each domain through Airflow.

    python scripts/footprint.py                  # default scale, ELT_RETAIN_*_DAYS as set
    python scripts/footprint.py --scale tiny

What retention bounds is a day's growth times the days kept; bronze, silver and gold history is
never removed, so it grows by a day's rows every day.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2

from include.devstack.stack import NativeStack
from include.elt.retention import Retention
from include.elt.stages.validate.data_docs import KEEP_RUNS
from tests.airflow_api import login, trigger, wait_for_run

DOMAINS = ("streaming", "ecommerce")
SCHEMAS = ("audit", "bronze", "silver", "gold")
GX_RESULTS = "great_expectations/gx/uncommitted/validations"
DOCS_SITE = "great_expectations/gx/uncommitted/data_docs"


def tree_bytes(path: Path) -> int:
    """Bytes the files under ``path`` take on disk (allocated blocks, as du counts)."""
    if not path.exists():
        return 0
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def measure(stack: NativeStack) -> dict[str, int]:
    data, logs = stack.data_dir, stack.root / "airflow-logs"
    sizes = {
        "task logs": tree_bytes(logs) - tree_bytes(logs / "openlineage"),
        "OpenLineage events": tree_bytes(logs / "openlineage"),
        "run folders": tree_bytes(data / "runs"),
        "Data Docs results": tree_bytes(data / GX_RESULTS),
        "Data Docs pages": tree_bytes(data / DOCS_SITE),
    }
    with psycopg2.connect(stack.superuser_url) as conn, conn.cursor() as cur:
        cur.execute(
            "select n.nspname, sum(pg_total_relation_size(c.oid)) from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where c.relkind in ('r', 'p', 'm') and n.nspname = any(%s) group by 1",
            [list(SCHEMAS)],
        )
        tables = dict(cur.fetchall())
    conn.close()
    sizes.update({f"{schema} tables": int(tables.get(schema) or 0) for schema in SCHEMAS})
    return sizes


def first_day(stack: NativeStack, domain: str):
    with psycopg2.connect(stack.superuser_url) as conn, conn.cursor() as cur:
        cur.execute("select first_day from audit.domain_profiles where domain = %s", [domain])
        (day,) = cur.fetchone()
    conn.close()
    return day


def first_runs(api, timeout: float = 1800) -> None:
    """Wait for the runs the scheduler made by itself (they fill the history)."""
    deadline = time.monotonic() + timeout
    for domain in DOMAINS:
        while not (runs := api.get(f"/api/v2/dags/{domain}/dagRuns").json().get("dag_runs")):
            if time.monotonic() > deadline:
                raise SystemExit(f"the scheduler made no run of {domain}")
            time.sleep(2)
        left = deadline - time.monotonic()
        run = wait_for_run(api, runs[0]["dag_run_id"], timeout=left, dag_id=domain)
        if run["state"] != "success":
            raise SystemExit(f"{domain}'s first run: {run['state']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="default", choices=("tiny", "default", "large"))
    args = parser.parse_args()
    retention = Retention.from_env()
    kept = {
        "task logs": retention.logs,
        "OpenLineage events": retention.logs,
        "run folders": retention.runs,
        # each render keeps a suite's last KEEP_RUNS runs at most: daily runs, that many days
        "Data Docs results": min(retention.docs, KEEP_RUNS),
        "Data Docs pages": min(retention.docs, KEEP_RUNS),
        "audit tables": retention.audit,
    }
    settings = {"ELT_DEFAULT_SCALE": args.scale}
    with NativeStack(settings=settings) as stack:
        api = login(
            stack.api_url, (stack.root / "secrets/airflow/admin_password").read_text().strip()
        )
        started = time.perf_counter()
        first_runs(api)
        print(f"first runs (60 days, {args.scale}) done in {time.perf_counter() - started:.0f}s")
        before = measure(stack)
        # one more day of each domain, a day its history did not hold: what a daily run adds
        runs = {}
        for domain in DOMAINS:
            day = str(first_day(stack, domain) - timedelta(days=1))
            conf = {"scale": args.scale, "start": day, "end": day}
            runs[domain] = trigger(api, conf, dag_id=domain)
        for domain, run_id in runs.items():
            state = wait_for_run(api, run_id, timeout=1800, dag_id=domain)["state"]
            if state != "success":
                raise SystemExit(f"{domain} run {run_id}: {state}")
        after = measure(stack)
    print(f"\none day of both domains' daily runs, {args.scale} scale (retention in days):")
    print(f"{'kind':<20} {'a day, KiB':>11} {'kept':>6} {'a year holds, MiB':>18}")
    totals = {"retention bounds": 0.0, "history, kept": 0.0}
    for kind in after:
        day_bytes = after[kind] - before[kind]
        days = kept.get(kind, 365)  # what is never removed holds a year of days
        held = max(day_bytes, 0) * days / 2**20
        totals["retention bounds" if kind in kept else "history, kept"] += held
        label = f"{days}" if kind in kept else "never"
        print(f"{kind:<20} {day_bytes / 1024:>11.0f} {label:>6} {held:>18.1f}")
    for what, held in totals.items():
        print(f"{what:<20} {'':>11} {'':>6} {held:>18.1f}")
    print(f"(load average {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
