#!/usr/bin/env python
"""Benchmark: prints figures, asserts nothing. Runs on a throwaway PostgreSQL server.

    python scripts/bench.py                      # everything below (about 10 minutes)
    python scripts/bench.py --only daily --history 30 365 --domains streaming

1. daily: a one-day run at default scale on top of 30, 120 and 365 days of history, as the CLI
   runs it (a new process: `scripts/elt.py run --start D --end D`): wall time and each stage.
2. large: the 14-day `large` streaming window through the whole flow with every gate, beside
   the same flow without the gates (generate, COPY and SQL only).
3. load: the usage_logs file of that window, loaded by the platform beside `psql \\copy` of the
   same file into a plain table (no index, no partitions) of the same columns.
4. streams: the load phase of that window (load_bronze + commit_bronze) with one load stream
   (one file at a time, none split) beside two (what two workers, or two threads, give).
5. airflow (only when asked: `--only airflow`, about 30 minutes): the native stack (`make dev`)
   at default scale, per scheduler idle sleep (`--idle-sleep`, default the platform's 0.2 s;
   Airflow's is 1) and per ELT_PRELOAD (`--preload`, default without beside with: the libraries
   tasks import, imported once by the processes they fork from, plugins/airflow_local_settings.py):
   a one-day run through Airflow beside the CLI's whole process for the same day, alternated,
   per domain (the ratio); the run's tasks, their summed durations and each one's overhead
   (its duration beyond the work the audit recorded), the scheduler hops on the run's critical
   path and their seconds, the tasks that imported Great Expectations themselves; the
   scheduler's CPU while idle; at the end the median ratio of each variant, side by side.
   Then, on the last variant's stack, a backfill of the last 30 days (`--backfill-days`) of
   both domains at once: seconds per day, failed runs, the warehouse against the history
   run's (checksums).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psycopg2 import sql

from include.devstack.postgres import TemporaryPostgres
from include.devstack.stack import NativeStack
from include.elt import pipeline
from include.elt.contract.domain import load_domain
from include.elt.core.days import Days
from include.elt.core.stages import STAGE_NAMES, STAGES, stage_of
from include.elt.files.manifest import Manifest
from include.elt.stages.load import staging
from include.elt.stages.load.bronze import ensure_bronze
from include.elt.warehouse.connection import Warehouse, transaction
from tests.airflow_api import login, task_instances, trigger, wait_for_run
from tests.helpers import warehouse_state

REPO = Path(__file__).resolve().parents[1]
DAY = {"streaming": date(2026, 11, 20), "ecommerce": date(2025, 11, 15)}
GATES = [s.name for s in STAGES if s.action == "validate"]


def _warehouse(pg: TemporaryPostgres, name: str) -> tuple[str, Warehouse]:
    """A new warehouse set up as compose sets it up: its superuser URL and the role logins."""
    url = pg.create_database(name)
    return url, pg.init_warehouse(name)


def _stages(url: str, run_id: str) -> list[tuple[str, float, int]]:
    """Each stage's wall time (its tasks may overlap: a dataset's load, a model's build) and
    rows out, in flow order."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select task, started_at, finished_at, coalesce(rows_out, 0) from audit.task_runs"
            " where run_id = %s order by started_at",
            [run_id],
        )
        tasks = cur.fetchall()
    stages: dict[str, list] = {}
    for task, started, finished, rows in tasks:
        stage = stages.setdefault(stage_of(task), [started, finished, 0])
        stage[0], stage[1] = min(stage[0], started), max(stage[1], finished)
        stage[2] += rows
    return [(name, (end - start).total_seconds(), n) for name, (start, end, n) in stages.items()]


def _tasks(url: str, run_id: str, stage: str) -> list[tuple[str, float]]:
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select task, duration_seconds from audit.task_runs where run_id = %s"
            " order by duration_seconds desc",
            [run_id],
        )
        return [(t, float(s)) for t, s in cur.fetchall() if stage_of(t) == stage]


def _ctx(warehouse, work: Path, domain: str, run_id: str, window: Days, scale: str):
    return pipeline.RunContext(
        domain_name=domain,
        run_id=run_id,
        window=window,
        scale=scale,
        seed=42,
        warehouse=warehouse,
        data_dir=work / domain,
    )


def daily(pg: TemporaryPostgres, work: Path, domain: str, histories: list[int]) -> None:
    print(f"\n## {domain}: one more day at default scale, by history already loaded")
    print("(each: a new CLI process, `elt.py run --start D --end D`; stage seconds from audit)")
    day = DAY[domain]
    rows = []
    for history in histories:
        url, warehouse = _warehouse(pg, f"daily_{domain}_{history}")
        window = Days.ending(day - timedelta(days=1), history)
        started = time.perf_counter()
        pipeline.run(_ctx(warehouse, work / f"h{history}", domain, "history", window, "default"))
        built = time.perf_counter() - started
        run_id = f"day-after-{history}"
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts/elt.py"),
                "run",
                "--domain",
                domain,
                "--start",
                str(day),
                "--end",
                str(day),
                "--scale",
                "default",
                "--run-id",
                run_id,
            ],
            env={
                **os.environ,
                "AIRFLOW_CONN_WAREHOUSE_LOADER": warehouse.loader,
                "AIRFLOW_CONN_WAREHOUSE_TRANSFORMER": warehouse.transformer,
                "AIRFLOW_CONN_WAREHOUSE_VALIDATOR": warehouse.validator,
                "ELT_DATA_DIR": str(work / f"h{history}" / domain),
            },
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - started
        rows.append((history, built, wall, dict((t, s) for t, s, _ in _stages(url, run_id))))
    print(
        f"{'history days':<14}{'history built':>14}{'CLI wall':>10}  "
        + "  ".join(f"{s:>15}" for s in STAGE_NAMES)
    )
    for history, built, wall, stages in rows:
        print(
            f"{history:<14}{built:>13.1f}s{wall:>9.2f}s  "
            + "  ".join(f"{stages.get(s, 0):>14.2f}s" for s in STAGE_NAMES)
        )
    base = rows[0][2]
    for history, _, wall, _ in rows[1:]:
        print(f"{history} days / {rows[0][0]} days: {wall / base:.2f}x (target <= 1.2x)")
    print(f"slowest one-day CLI run: {max(r[2] for r in rows):.2f}s (target <= 6s)")


def large(pg: TemporaryPostgres, work: Path) -> Path:
    print("\n## streaming, scale=large, 14 days, through the whole flow")
    window = Days.ending(DAY["streaming"], 14)
    results = {}
    for label, stages in (
        ("with every gate", list(STAGE_NAMES)),
        ("without gates", [s for s in STAGE_NAMES if s not in GATES]),
    ):
        url, warehouse = _warehouse(pg, f"large_{len(stages)}")
        ctx = _ctx(warehouse, work / label.replace(" ", "_"), "streaming", "large", window, "large")
        started = time.perf_counter()
        pipeline.run(ctx, stages)
        results[label] = (time.perf_counter() - started, _stages(url, "large"))
        folder = ctx.run_folder
    print(f"{'stage':<18}" + "".join(f"{label:>18}" for label in results) + "   rows out")
    timings = {label: dict((t, s) for t, s, _ in stages) for label, (_, stages) in results.items()}
    rows_out = dict((t, r) for t, _, r in results["with every gate"][1])
    for stage in STAGE_NAMES:
        print(
            f"{stage:<18}"
            + "".join(f"{timings[label].get(stage, 0):>17.2f}s" for label in results)
            + f"   {rows_out.get(stage, 0):>10,}"
        )
    totals = {label: total for label, (total, _) in results.items()}
    print(f"{'end to end':<18}" + "".join(f"{totals[label]:>17.2f}s" for label in results))
    ratio = totals["with every gate"] / totals["without gates"]
    print(f"gated flow / generate+COPY+SQL: {ratio:.2f}x (target <= 3x)")
    return folder


def load_rate(pg: TemporaryPostgres, work: Path, folder: Path, repeat: int) -> None:
    domain = load_domain("streaming")
    manifest = Manifest.read(folder)
    entry = next(f for f in manifest.files if f.dataset == "usage_logs")
    path = manifest.path_of(entry)
    url, warehouse = _warehouse(pg, "load_rate")
    ensure_bronze(warehouse.loader, domain)
    # a run of that one file: the platform's load of it is that run's load_bronze and commit
    ctx = _ctx(
        warehouse,
        work / "load_rate",
        "streaming",
        "usage",
        Days.ending(DAY["streaming"], 14),
        "large",
    )
    ctx.run_folder.mkdir(parents=True)
    shutil.copy(path, ctx.run_folder / path.name)
    dataclasses.replace(manifest, files=(entry,)).write(ctx.run_folder)
    dataset = domain.dataset("usage_logs")
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in dataset.columns
    )
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("create table plain ({})").format(columns))
    ours, theirs = [], []
    for _ in range(repeat):
        _settle(url)
        started = time.perf_counter()
        pipeline.run(ctx, ["load_bronze", "commit_bronze"])
        ours.append(time.perf_counter() - started)
        with transaction(url) as conn, conn.cursor() as cur:
            cur.execute("truncate plain")
        _settle(url)
        started = time.perf_counter()
        subprocess.run(
            [
                "psql",
                url,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                f"\\copy plain ({', '.join(dataset.column_names)}) from '{path}'"
                " with (format csv, header)",
            ],
            check=True,
        )
        theirs.append(time.perf_counter() - started)
    best_ours, best_psql = min(ours), min(theirs)
    size = path.stat().st_size / 1e6
    print(f"\n## usage_logs load: {entry.rows:,} rows, {size:,.0f} MB CSV, best of {repeat}")
    print(
        f"platform load (day partitions, swap): {best_ours:.2f}s,"
        f" {entry.rows / best_ours:,.0f} rows/s"
    )
    print(
        f"psql \\copy into a plain table:       {best_psql:.2f}s,"
        f" {entry.rows / best_psql:,.0f} rows/s"
    )
    print(
        f"platform / psql: {best_psql / best_ours:.2f}x (target >= 0.8x);"
        f" vs the earlier 272k rows/s: {entry.rows / best_ours / 272_157:.2f}x (target >= 2x)"
    )


def streams(pg: TemporaryPostgres, work: Path, folder: Path) -> None:
    """The large window's load phase with one stream, then two, each into a new warehouse."""
    print("\n## load phase of the large window: one load stream beside two")
    print("(load_bronze stages every file, commit_bronze swaps them in; seconds from audit)")
    window = Days.ending(DAY["streaming"], 14)
    walls = {}
    for label, parallel, split in (("1 stream", 1, 1 << 62), ("2 streams", 2, staging.SPLIT_BYTES)):
        url, warehouse = _warehouse(pg, f"streams_{parallel}")
        ctx = _ctx(warehouse, work / f"streams_{parallel}", "streaming", "large", window, "large")
        shutil.copytree(folder, ctx.run_folder)
        ensure_bronze(warehouse.loader, ctx.domain)
        _settle(url)
        saved = staging.PARALLEL_LOADS, staging.SPLIT_BYTES
        staging.PARALLEL_LOADS, staging.SPLIT_BYTES = parallel, split
        try:
            started = time.perf_counter()
            pipeline.run(ctx, ["load_bronze", "commit_bronze"])
            walls[label] = time.perf_counter() - started
        finally:
            staging.PARALLEL_LOADS, staging.SPLIT_BYTES = saved
        stages = {name: seconds for name, seconds, _ in _stages(url, "large")}
        files = _tasks(url, "large", "load_bronze")
        print(
            f"{label:<10} {walls[label]:6.2f}s: staging {stages['load_bronze']:.2f}s"
            f" (files: {sum(s for _, s in files):.2f}s, the largest {files[0][0]}"
            f" {files[0][1]:.2f}s), commit {stages['commit_bronze']:.2f}s"
        )
    ratio = walls["1 stream"] / walls["2 streams"]
    print(f"two streams / one: {ratio:.2f}x faster (target >= 1.5x on two idle cores)")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _seconds(record: dict) -> float:
    return (_time(record["end_date"]) - _time(record["start_date"])).total_seconds()


@dataclasses.dataclass(frozen=True)
class AirflowRun:
    seconds: float
    tasks: int
    task_seconds: float  # the task instances' durations, summed
    overhead: float  # per task: its duration beyond the work the audit recorded for it
    hops: int  # scheduler hops on the critical path: a task started after its upstream ended
    hop_seconds: float  # the time they cost, start of the run to its end included
    gx_imports: int  # tasks that imported Great Expectations themselves


def _airflow_run(stack, api, domain: str, day: date) -> AirflowRun:
    """A manual one-day run, and where its time went."""
    # here, not above: importing Airflow sets up its logging, and the other modes' in-process
    # runs would log every line
    from include.orchestration.dag_builder import GX_IMPORTED

    run_id = trigger(api, {"start": str(day), "end": str(day)}, dag_id=domain)
    run = wait_for_run(api, run_id, dag_id=domain)
    if run["state"] != "success":
        raise RuntimeError(f"{domain} {run_id}: {run['state']}")
    tis = task_instances(api, run_id, domain)
    task_seconds = sum(ti["duration"] or 0 for ti in tis)
    with transaction(stack.superuser_url) as conn, conn.cursor() as cur:
        cur.execute(
            "select coalesce(sum(duration_seconds), 0) from audit.task_runs where run_id = %s",
            [run_id],
        )
        worked = float(cur.fetchone()[0])
    hops, hop_seconds = _critical_hops(api, domain, run, tis)
    logs = stack.root / "airflow-logs" / f"dag_id={domain}" / f"run_id={run_id}"
    gx_imports = sum(GX_IMPORTED in log.read_text() for log in logs.rglob("*.log"))
    return AirflowRun(
        _seconds(run),
        len(tis),
        task_seconds,
        (task_seconds - worked) / len(tis),
        hops,
        hop_seconds,
        gx_imports,
    )


def _critical_hops(api, domain: str, run: dict, tis: list[dict]) -> tuple[int, float]:
    """Back from the task that ended last, to the run's start, through the upstream that ended
    last each time: the hops on that path and the seconds between an end and the next start."""
    upstream: dict[str, set[str]] = {}
    for t in api.get(f"/api/v2/dags/{domain}/tasks").json()["tasks"]:
        for down in t["downstream_task_ids"]:
            upstream.setdefault(down, set()).add(t["task_id"])
    spans = {
        ti["task_id"]: (_time(ti["start_date"]), _time(ti["end_date"]))
        for ti in tis
        if ti["start_date"] and ti["end_date"]
    }
    task = max(spans, key=lambda t: spans[t][1])
    hops, waited = 0, (_time(run["end_date"]) - spans[task][1]).total_seconds()
    while before := [u for u in upstream.get(task, ()) if u in spans]:
        previous = max(before, key=lambda u: spans[u][1])
        hops += 1
        waited += (spans[task][0] - spans[previous][1]).total_seconds()
        task = previous
    return hops + 2, waited + (spans[task][0] - _time(run["start_date"])).total_seconds()


def _cli_run(stack, domain: str, day: date) -> float:
    days = ["--start", str(day), "--end", str(day)]
    started = time.perf_counter()
    command = [sys.executable, str(REPO / "scripts/elt.py"), "run", "--domain", domain, *days]
    subprocess.run(command, env=stack.environment, check=True, capture_output=True)
    return time.perf_counter() - started


def _idle_cpu(stack, seconds: float = 20) -> float:
    """The scheduler's CPU while no run is going, in % of a core."""
    import psutil

    scheduler = psutil.Process(stack._processes["scheduler"].pid)
    before = sum(scheduler.cpu_times()[:2])
    time.sleep(seconds)
    return 100 * (sum(scheduler.cpu_times()[:2]) - before) / seconds


def airflow(
    domains: list[str], repeat: int, idle_sleeps: list[str], preloads: list[str], days: int
) -> None:
    day = (datetime.now(UTC) - timedelta(days=3)).date()  # in the history the stack fills
    summary = []
    for sleep, preload in [(s, p) for s in idle_sleeps for p in preloads]:
        settings = {"AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": sleep, "ELT_PRELOAD": preload}
        with NativeStack(
            settings={"ELT_DEFAULT_SCALE": "default"}, airflow_settings=settings
        ) as stack:
            password = (stack.root / "secrets/airflow/admin_password").read_text().strip()
            api = login(stack.api_url, password)
            for domain in domains:  # the first scheduled runs fill 60 days of history
                deadline = time.monotonic() + 120
                while not (
                    runs := api.get(f"/api/v2/dags/{domain}/dagRuns").json().get("dag_runs")
                ):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"no scheduled run of {domain}")
                    time.sleep(1)
                wait_for_run(api, runs[0]["dag_run_id"], timeout=900, dag_id=domain)
            variant = f"scheduler_idle_sleep_time={sleep}, ELT_PRELOAD={preload}"
            print(f"\n## airflow: {variant}, default scale, day {day}")
            print(f"scheduler idle CPU: {_idle_cpu(stack):.1f}% of a core; load {_load()}")
            print(
                f"{'':<10} {'airflow':>8} {'tasks':>5} {'summed':>7} {'overhead':>9}"
                f" {'hops':>4} {'hop s':>6} {'GX imports':>10} {'cli':>6} {'ratio':>6}"
            )
            for domain in domains:
                rows = []
                for _ in range(repeat):
                    run = _airflow_run(stack, api, domain, day)
                    rows.append((run, _cli_run(stack, domain, day)))
                for run, cli_s in rows:
                    print(
                        f"{domain:<10} {run.seconds:7.1f}s {run.tasks:>5} {run.task_seconds:6.1f}s"
                        f" {run.overhead:7.2f}s/t {run.hops:>4} {run.hop_seconds:5.1f}s"
                        f" {run.gx_imports:>10} {cli_s:5.1f}s {run.seconds / cli_s:6.2f}"
                    )
                ratios = sorted(r.seconds / c for r, c in rows)
                imports = sum(r.gx_imports for r, _ in rows) / len(rows)
                summary.append((variant, domain, ratios[len(ratios) // 2], imports))
                print(f"{'':<10} load {_load()}")
            if days and (sleep, preload) == (idle_sleeps[-1], preloads[-1]):
                backfill(stack, api, domains, days)
    print("\n## airflow vs cli, median ratio of one-day runs (same day, same stack)")
    for variant, domain, ratio, imports in summary:
        print(f"{variant:<48} {domain:<10} {ratio:.2f}  ({imports:.1f} GX imports a run)")


def backfill(stack, api, domains: list[str], days: int) -> None:
    """The last ``days`` days of both domains' history again, one Airflow backfill per domain,
    both at once (Airflow's own backfill concurrency): seconds per day, failed runs, and the
    warehouse against what the history run had made of the same days (checksums)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first, last = today - timedelta(days=days + 1), today - timedelta(days=2)
    before = {d: warehouse_state(stack.superuser_url, d) for d in domains}
    started = time.monotonic()
    for domain in domains:
        window = {"dag_id": domain, "from_date": first.isoformat(), "to_date": last.isoformat()}
        created = api.post("/api/v2/backfills", json=window)
        created.raise_for_status()
    finished: dict[str, list[dict]] = {}
    deadline = started + 60 * days
    while len(finished) < len(domains):
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"backfills unfinished after {60 * days} s: {set(domains) - set(finished)}"
            )
        for domain in set(domains) - set(finished):
            params = {"run_type": "backfill", "limit": 1000}
            runs = api.get(f"/api/v2/dags/{domain}/dagRuns", params=params).json()["dag_runs"]
            if len(runs) == days and all(r["state"] in ("success", "failed") for r in runs):
                finished[domain] = runs
        time.sleep(2)
    wall = time.monotonic() - started
    print(f"\n## backfill: {days} days of {' and '.join(domains)} at once, load {_load()}")
    for domain, runs in finished.items():
        failed = sum(r["state"] != "success" for r in runs)
        begin = min(r["start_date"] for r in runs)
        span = max(_seconds({"start_date": begin, "end_date": r["end_date"]}) for r in runs)
        after = warehouse_state(stack.superuser_url, domain)
        differ = sorted(r for r in before[domain] if after.get(r) != before[domain][r])
        print(
            f"{domain:<10} {span / days:5.1f} s/day ({span:.0f} s), {failed} failed runs,"
            f" warehouse {'DIFFERENT from' if differ else 'identical to'} the history run's"
            + (f" ({', '.join(differ)})" if differ else "")
        )
    print(f"{'both':<10} {wall / days:5.1f} s/day of both domains ({wall:.0f} s wall)")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _settle(url: str) -> None:
    """Both loads start from the same server state: WAL flushed, nothing running behind."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute("checkpoint")
    time.sleep(1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", choices=["daily", "large", "load", "streams", "airflow"], action="append"
    )
    parser.add_argument("--history", type=int, nargs="+", default=[30, 120, 365])
    parser.add_argument("--domains", nargs="+", default=["streaming", "ecommerce"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle-sleep", nargs="+", default=["0.2"])
    parser.add_argument(
        "--preload", nargs="+", default=["false", "true"], help="ELT_PRELOAD values to compare"
    )
    parser.add_argument(
        "--backfill-days", type=int, default=30, help="airflow: the backfill's days (0: none)"
    )
    args = parser.parse_args()
    wanted = set(args.only or ["daily", "large", "load", "streams"])
    logging.basicConfig(level=logging.WARNING)
    if "airflow" in wanted:
        airflow(args.domains, args.repeat, args.idle_sleep, args.preload, args.backfill_days)
        return 0
    work = Path(tempfile.mkdtemp(prefix="elt-bench-"))
    print(f"# benchmark on {os.cpu_count()} cores, PostgreSQL throwaway server")
    try:
        with TemporaryPostgres() as pg:
            if "daily" in wanted:
                for domain in args.domains:
                    daily(pg, work, domain, args.history)
            if wanted & {"large", "load", "streams"}:
                folder = large(pg, work)
                if "load" in wanted:
                    load_rate(pg, work, folder, args.repeat)
                if "streams" in wanted:
                    streams(pg, work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
