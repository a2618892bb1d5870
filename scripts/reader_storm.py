#!/usr/bin/env python
"""Benchmark: what readers of gold meet while daily runs publish. Prints figures, asserts
nothing. Runs on a throwaway PostgreSQL server (about 5 minutes).

    python scripts/reader_storm.py
    python scripts/reader_storm.py --days 4 --readers 6 --idle-limit 5s

1. storm: analyst sessions (as BI tools and dashboards read) each read a few gold relations of
   both domains in one transaction, in a random order, while daily runs of both domains publish
   one after the other. It runs twice on one warehouse each, side by side: with this publish,
   and with the publish as it was before readers were protected (each relation locked in turn,
   each request waiting in the lock queue up to ``lock_timeout``). For each: reads, errors by
   kind, partial counts (a count no published state of that relation ever had), the longest
   read transaction, and the publishes' durations and failures.
2. idle: an analyst session reads every gold relation and stays idle in its transaction while
   a daily run publishes: how long the publish waited, against the readers' idle limit.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2
from psycopg2 import sql

from include.devstack.postgres import TemporaryPostgres
from include.elt import pipeline
from include.elt.contract.domain import load_domain
from include.elt.contract.models import models
from include.elt.core.days import Days
from include.elt.core.stages import STAGE_NAMES
from include.elt.stages.materialize import publisher
from include.elt.warehouse import readers
from include.elt.warehouse.connection import Warehouse, transaction

DOMAINS = ("streaming", "ecommerce")
FIRST = {"streaming": date(2026, 11, 1), "ecommerce": date(2025, 11, 1)}
HISTORY_DAYS = 7
READS_PER_TRANSACTION = 3


def _old_lock_relations(cur, relations: list[str], *, wait_seconds: float) -> None:
    """The publish's locking before readers were protected (the negative control): each
    relation in turn, each request queued until granted or ``lock_timeout``."""
    for relation in relations:
        cur.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.Identifier(*relation.split("."))
            )
        )


@dataclass
class Storm:
    reads: int = 0
    transactions: list[float] = field(default_factory=list)  # seconds each
    errors: Counter = field(default_factory=Counter)
    seen: list[tuple[str, int]] = field(default_factory=list)
    publishes: list[float] = field(default_factory=list)
    publish_failures: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _gold() -> list[str]:
    return [m.qualified for d in DOMAINS for m in models(load_domain(d), "gold")]


def _counts(url: str, relations: list[str]) -> dict[str, int]:
    with transaction(url) as conn, conn.cursor() as cur:
        found = {}
        for r in relations:
            cur.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(*r.split("."))))
            found[r] = cur.fetchone()[0]
        return found


def _context(warehouse: Warehouse, work: Path, domain: str, run_id: str, days: Days):
    return pipeline.RunContext(
        domain_name=domain,
        run_id=run_id,
        window=days,
        scale="tiny",
        seed=42,
        warehouse=warehouse,
        data_dir=work / "data",
    )


def _new_warehouse(pg: TemporaryPostgres, name: str, work: Path) -> tuple[str, str, Warehouse]:
    """A warehouse set up as compose sets it up, its readers' limits set, with a week of history
    in both domains: its superuser URL, the analyst's login, and the stage roles' logins."""
    url = pg.create_database(name)
    warehouse = pg.init_warehouse(name)
    analyst = pg.role_url("analyst", name)
    readers.set_limits(analyst)
    for domain in DOMAINS:
        days = Days(FIRST[domain], FIRST[domain] + timedelta(days=HISTORY_DAYS - 1))
        pipeline.run(_context(warehouse, work, domain, "history", days))
    return url, analyst, warehouse


def _reader(analyst: str, relations: list[str], stop: threading.Event, storm: Storm, seed: int):
    rng = random.Random(seed)
    conn = psycopg2.connect(analyst, application_name="reader-storm")
    try:
        while not stop.is_set():
            chosen = rng.sample(relations, READS_PER_TRANSACTION)
            started, seen = time.monotonic(), []
            try:
                with conn.cursor() as cur:
                    for r in chosen:
                        cur.execute(
                            sql.SQL("select count(*) from {}").format(sql.Identifier(*r.split(".")))
                        )
                        seen.append((r, cur.fetchone()[0]))
                conn.commit()
            except psycopg2.Error as exc:
                conn.rollback()
                with storm.lock:
                    storm.errors[type(exc).__name__] += 1
                continue
            with storm.lock:
                storm.reads += len(seen)
                storm.seen.extend(seen)
                storm.transactions.append(time.monotonic() - started)
    finally:
        conn.close()


def storm(pg: TemporaryPostgres, work: Path, name: str, args) -> tuple[Storm, int]:
    """Readers read while ``args.days`` daily runs of each domain publish; the storm's figures
    and the number of partial counts."""
    url, analyst, warehouse = _new_warehouse(pg, name, work)
    relations = _gold()
    states = {r: {n} for r, n in _counts(url, relations).items()}
    figures, stop = Storm(), threading.Event()
    threads = [
        threading.Thread(target=_reader, args=(analyst, relations, stop, figures, i))
        for i in range(args.readers)
    ]
    for t in threads:
        t.start()
    try:
        for n in range(args.days):
            for domain in DOMAINS:
                day = FIRST[domain] + timedelta(days=HISTORY_DAYS + n)
                started = time.monotonic()
                try:
                    pipeline.run(_context(warehouse, work, domain, f"daily_{day}", Days(day, day)))
                    figures.publishes.append(time.monotonic() - started)
                except Exception as exc:  # a figure: the old publish may deadlock or time out
                    figures.publish_failures[type(exc).__name__] += 1
                # gold changes only at a publish, and publishes run one after another
                for r, count in _counts(url, relations).items():
                    states[r].add(count)
    finally:
        stop.set()
        for t in threads:
            t.join()
    partial = sum(1 for r, count in figures.seen if count not in states[r])
    return figures, partial


def idle(pg: TemporaryPostgres, work: Path, limit: str) -> None:
    url, analyst, warehouse = _new_warehouse(pg, "idle", work)
    readers.set_limits(analyst, {"idle_in_transaction_session_timeout": limit})
    session = psycopg2.connect(analyst, application_name="idle-bi-session")
    with session.cursor() as cur:
        for r in _gold():
            cur.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(*r.split("."))))
    held_from = time.monotonic()
    day = FIRST["streaming"] + timedelta(days=HISTORY_DAYS)
    ctx = _context(warehouse, work, "streaming", f"daily_{day}", Days(day, day))
    pipeline.run(ctx, [s for s in STAGE_NAMES if s != "publish"])
    started = time.monotonic()
    pipeline.run(ctx, ["publish"])
    ended = time.monotonic()
    gone = not _alive(url, session)
    session.close()
    print(f"\n## idle: an analyst session idle in its transaction, limit {limit}")
    print(f"idle session ended by the server:       {'yes' if gone else 'no'}")
    print(f"publish took                            {ended - started:6.1f} s")
    print(f"the session had been idle when it began {started - held_from:6.1f} s")


def _alive(url: str, session) -> bool:
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select count(*) from pg_stat_activity where pid = %s", [session.get_backend_pid()]
        )
        return cur.fetchone()[0] > 0


def _row(label: str, *values) -> None:
    print(f"{label:<34}" + "".join(f"{v:>16}" for v in values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=3, help="daily runs of each domain")
    parser.add_argument("--readers", type=int, default=4, help="analyst sessions at once")
    parser.add_argument("--idle-limit", default="5s", help="the idle session's limit")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # Lock waits as the platform's tasks have them by default (ELT_LOCK_TIMEOUT).
    os.environ.setdefault("ELT_LOCK_TIMEOUT", "60s")
    with tempfile.TemporaryDirectory() as tmp, TemporaryPostgres() as pg:
        work = Path(tmp)
        results = {"this publish": storm(pg, work / "new", "storm_new", args)}
        current = publisher.lock_relations
        publisher.lock_relations = _old_lock_relations
        try:
            results["old publish"] = storm(pg, work / "old", "storm_old", args)
        finally:
            publisher.lock_relations = current
        print(
            f"\n## storm: {args.readers} analyst sessions, {READS_PER_TRANSACTION} gold relations"
            f" per transaction; {args.days} daily runs of each of {', '.join(DOMAINS)}"
        )
        _row("", *results)
        figures = list(results.values())
        _row("reads", *(f.reads for f, _ in figures))
        _row("failed read transactions", *(sum(f.errors.values()) for f, _ in figures))
        for kind in sorted({k for f, _ in figures for k in f.errors}):
            _row(f"  {kind}", *(f.errors[kind] for f, _ in figures))
        _row("partial counts", *(p for _, p in figures))
        _row("read transaction median (ms)", *(_ms(statistics.median, f) for f, _ in figures))
        _row("read transaction longest (ms)", *(_ms(max, f) for f, _ in figures))
        _row("runs published", *(len(f.publishes) for f, _ in figures))
        _row("runs failed", *(sum(f.publish_failures.values()) for f, _ in figures))
        for kind in sorted({k for f, _ in figures for k in f.publish_failures}):
            _row(f"  {kind}", *(f.publish_failures[kind] for f, _ in figures))
        _row(
            "daily run median (s)",
            *(f"{statistics.median(f.publishes):.1f}" if f.publishes else "-" for f, _ in figures),
        )
        idle(pg, work / "idle", args.idle_limit)
    return 0


def _ms(how, figures: Storm) -> str:
    return f"{how(figures.transactions) * 1000:.0f}" if figures.transactions else "-"


if __name__ == "__main__":
    sys.exit(main())
