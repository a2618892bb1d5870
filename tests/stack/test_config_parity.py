"""docker-compose.yml (with docker-compose.celery.yml for Celery) and the native stack run Airflow
with the same settings, and the same commands."""

from __future__ import annotations

import re

import pytest

from include.devstack.stack import (
    CELERY_COMPOSE_FILE,
    NATIVE_PORT_SETTINGS,
    NativeStack,
    compose_airflow_environment,
    compose_command,
)

HOST_PORT = re.compile(r"(?<=//)[A-Za-z0-9.-]+:\d+")


def _normalised(value: str, paths: list[str]) -> str:
    for path in sorted(paths, key=len, reverse=True):
        value = value.replace(path, "<path>")
    value = HOST_PORT.sub("<host>:<port>", value)
    return re.sub(r"^\d+$", "<port>", value)


@pytest.mark.parametrize("executor", ["local", "celery"])
def test_compose_and_native_stack_differ_only_in_hosts_ports_and_paths(tmp_path, executor):
    stack = NativeStack(root=tmp_path, executor=executor)
    compose = compose_airflow_environment({}, executor)
    native = stack.airflow_environment()
    assert set(native) - set(compose) == set(NATIVE_PORT_SETTINGS)
    assert set(compose) <= set(native)
    container_paths = list(stack.path_map())
    local_paths = [str(p) for p in stack.path_map().values()]
    for key, value in compose.items():
        assert _normalised(value, container_paths) == _normalised(native[key], local_paths), key
    assert all(native[k].isdigit() for k in NATIVE_PORT_SETTINGS)
    expected = "CeleryExecutor" if executor == "celery" else "LocalExecutor"
    assert native["AIRFLOW__CORE__EXECUTOR"] == expected


def test_the_native_celery_services_run_the_compose_commands():
    assert compose_command("airflow-worker", CELERY_COMPOSE_FILE)[:2] == ["celery", "worker"]
    assert compose_command("flower", CELERY_COMPOSE_FILE) == ["celery", "flower"]
    assert compose_command("redis", CELERY_COMPOSE_FILE)[0] == "redis-server"
