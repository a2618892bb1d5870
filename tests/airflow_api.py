"""Airflow's REST API as a user drives it: log in, trigger a run, wait for it, read its tasks.
Shared by the native stack's tests and the compose test."""

from __future__ import annotations

import time

import httpx

RUN_TIMEOUT = 420


def login(base_url: str, password: str, username: str = "admin") -> httpx.Client:
    """A client holding the token the auth manager gives ``username`` for ``password``."""
    client = httpx.Client(base_url=base_url, timeout=30)
    token = client.post("/auth/token", json={"username": username, "password": password})
    assert token.status_code == 201, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def trigger(api: httpx.Client, conf: dict, dag_id: str = "streaming") -> str:
    response = api.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
    assert response.status_code == 200, response.text
    return response.json()["dag_run_id"]


def wait_for_run(
    api: httpx.Client, run_id: str, timeout: float = RUN_TIMEOUT, dag_id: str = "streaming"
) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()
        if run["state"] in ("success", "failed"):
            return run
        time.sleep(2)
    raise TimeoutError(f"run {run_id} did not finish in {timeout:.0f}s")


def task_states(api: httpx.Client, run_id: str, dag_id: str = "streaming") -> dict[str, str]:
    """Each task's state (a mapped task's instances, one of theirs)."""
    return {ti["task_id"]: ti["state"] for ti in task_instances(api, run_id, dag_id)}


def task_instances(api: httpx.Client, run_id: str, dag_id: str = "streaming") -> list[dict]:
    response = api.get(
        f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000}
    )
    return response.json()["task_instances"]
