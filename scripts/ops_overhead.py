#!/usr/bin/env python
"""What alerts and OpenLineage cost a run: two platforms without Docker side by side, one with
both off, one with both on (alerts to an SMTP server on loopback, lineage to files), the same
one-day runs triggered on each in turn; each run's wall time and its tasks' summed time.

    python scripts/ops_overhead.py --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from include.devstack.stack import NativeStack
from tests.airflow_api import login, task_instances, trigger, wait_for_run
from tests.smtp import Inbox

DOMAIN = "streaming"


def seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with ExitStack() as stack:
        inbox = stack.enter_context(Inbox().serving())
        platforms = {
            "off": NativeStack(
                settings={"ELT_DEFAULT_SCALE": "tiny"},
                airflow_settings={"AIRFLOW__OPENLINEAGE__DISABLED": "True"},
            ),
            "on": NativeStack(settings={"ELT_DEFAULT_SCALE": "tiny", **inbox.settings}),
        }
        apis = {}
        for name, platform in platforms.items():
            stack.enter_context(platform)
            password = (platform.root / "secrets/airflow/admin_password").read_text().strip()
            apis[name] = login(platform.api_url, password)
        for api in apis.values():  # the first scheduled runs fill the history: let them end
            while not (runs := api.get(f"/api/v2/dags/{DOMAIN}/dagRuns").json().get("dag_runs")):
                time.sleep(2)
            wait_for_run(api, runs[0]["dag_run_id"], dag_id=DOMAIN)
        figures = {name: {"run": [], "tasks": []} for name in platforms}
        for i in range(args.runs):
            day = str((datetime.now(UTC) - timedelta(days=2 + i)).date())
            for name, api in apis.items():  # in turn, so both see the same load
                run_id = trigger(api, {"scale": "tiny", "start": day, "end": day}, DOMAIN)
                run = wait_for_run(api, run_id, dag_id=DOMAIN)
                assert run["state"] == "success", run
                tasks = task_instances(api, run_id, DOMAIN)
                figures[name]["run"].append(seconds(run["start_date"], run["end_date"]))
                figures[name]["tasks"].append(
                    sum(t["duration"] or 0 for t in tasks if t["duration"] is not None)
                )
        events = len(list((platforms["on"].root / "airflow-logs/openlineage").glob("*.json")))
    print(f"\none-day tiny {DOMAIN} runs, {args.runs} each, in turn (median seconds):")
    print(f"{'':<22} {'off':>7} {'on':>7} {'on/off':>7}")
    for what in ("run", "tasks"):
        off, on = (statistics.median(figures[n][what]) for n in ("off", "on"))
        label = "run, start to end" if what == "run" else "tasks' durations, sum"
        print(f"{label:<22} {off:>7.1f} {on:>7.1f} {on / off:>7.2f}")
    print(f"OpenLineage event files written (on): {events}; messages sent: {len(inbox.messages)}")
    print(f"(load average {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
