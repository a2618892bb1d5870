"""docker-compose.yml and the native stack run Airflow with the same settings."""

from __future__ import annotations

import re

from include.devstack.stack import NATIVE_PORT_SETTINGS, NativeStack, compose_airflow_environment

HOST_PORT = re.compile(r"(?<=//)[A-Za-z0-9.-]+:\d+")


def _normalised(value: str, paths: list[str]) -> str:
    for path in sorted(paths, key=len, reverse=True):
        value = value.replace(path, "<path>")
    value = HOST_PORT.sub("<host>:<port>", value)
    return re.sub(r"^\d+$", "<port>", value)


def test_compose_and_native_stack_differ_only_in_hosts_ports_and_paths(tmp_path):
    stack = NativeStack(root=tmp_path)
    compose = compose_airflow_environment({})
    native = stack.airflow_environment()
    assert set(native) - set(compose) == set(NATIVE_PORT_SETTINGS)
    assert set(compose) <= set(native)
    container_paths = list(stack.path_map())
    local_paths = [str(p) for p in stack.path_map().values()]
    for key, value in compose.items():
        assert _normalised(value, container_paths) == _normalised(native[key], local_paths), key
    assert all(native[k].isdigit() for k in NATIVE_PORT_SETTINGS)
