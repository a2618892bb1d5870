"""OpenLineage events of a run, as the file transport wrote them: every task reports what it
read and wrote, and together they trace file -> bronze -> silver -> gold -> report."""

from __future__ import annotations

import json
from collections import defaultdict

from tests.helpers import qualified


def _events(stack) -> list[dict]:
    folder = stack.root / "airflow-logs" / "openlineage"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("event-*.json"))]


def _run_id_of(event: dict) -> str | None:
    facets = event.get("run", {}).get("facets", {})
    airflow = facets.get("airflow", {})
    return (airflow.get("dagRun") or {}).get("run_id") or (
        facets.get("airflowDagRun", {}).get("dagRun") or {}
    ).get("run_id")


def test_a_runs_events_trace_file_to_bronze_to_silver_to_gold_to_report(api, stack):
    (run,) = api.get(
        "/api/v2/dags/streaming/dagRuns", params={"run_type": "scheduled", "limit": 1}
    ).json()["dag_runs"]
    events = [e for e in _events(stack) if _run_id_of(e) == run["dag_run_id"]]
    completed = {
        e["job"]["name"]: e for e in events if e.get("eventType") == "COMPLETE" and "job" in e
    }
    tasks = {
        t["task_id"]
        for t in api.get(
            f"/api/v2/dags/streaming/dagRuns/{run['dag_run_id']}/taskInstances"
        ).json()["task_instances"]
    }
    # every task reported its end
    assert {f"streaming.{t}" for t in tasks} <= set(completed), sorted(completed)

    edges = defaultdict(set)
    for event in completed.values():
        for source in event.get("inputs", []):
            for target in event.get("outputs", []):
                edges[source["name"]].add(target["name"])

    def reaches(start: str, goal) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if goal(node):
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edges[node])
        return False

    names = {n for pair in edges.items() for n in (pair[0], *pair[1])}
    files = [n for n in names if n.endswith("runs/streaming/usage_logs")]
    assert files, sorted(names)
    path = ["bronze", "silver", "gold"]
    tables = {layer: qualified("streaming", layer, "usage_logs") for layer in path[:2]}
    tables["gold"] = qualified("streaming", "gold", "daily_usage")
    in_name = lambda relation: lambda n: n.endswith(relation)  # noqa: E731
    assert reaches(files[0], in_name(tables["bronze"]))
    assert reaches(
        next(n for n in names if n.endswith(tables["bronze"])), in_name(tables["silver"])
    )
    assert reaches(next(n for n in names if n.endswith(tables["silver"])), in_name(tables["gold"]))
    assert reaches(
        next(n for n in names if n.endswith(tables["gold"])),
        lambda n: "reports/streaming/" in n,
    )
