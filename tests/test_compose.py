"""docker-compose.yml, checked without Docker: the Compose specification plus our own rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
ONE_SHOT = {"secrets", "airflow-init"}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|FERNET_KEY|TOKEN)$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_matches_the_compose_specification():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_platform_services_are_all_there(compose):
    assert {
        "warehouse",
        "airflow-db",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    } <= set(compose["services"])
    env = compose["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "false"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith(
        "http://airflow-apiserver:8080"
    )


def test_every_depends_on_target_exists(compose):
    services = compose["services"]
    for name, service in services.items():
        for target in service.get("depends_on", {}):
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name not in ONE_SHOT:
            assert "healthcheck" in service and service["healthcheck"]["test"], name


def test_published_ports_are_bound_to_localhost_only(compose):
    published = {
        name: service["ports"]
        for name, service in compose["services"].items()
        if "ports" in service
    }
    assert set(published) == {"warehouse", "airflow-apiserver", "data-docs"}
    assert "airflow-db" not in published, "the metadata DB stays private"
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond localhost"


def test_no_default_secret_literal(compose):
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if not SECRET_NAME.search(key) or key.endswith(("_FILE", "_CMD")):
                continue
            value = str(value)
            assert re.fullmatch(r"\$\{[A-Z_]+:-\}", value), (
                f"{name}.{key} must come from the environment with no default, got {value!r}"
            )
    assert not re.search(
        r"(?i)(password|secret)\s*[:=]\s*['\"]?(airflow|admin|postgres|changeme)\b",
        COMPOSE.read_text(),
    )


def test_every_env_example_setting_is_documented_and_used():
    example = (REPO / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    # `$${...}` is escaped for the container shell, not a compose variable
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]+)", COMPOSE.read_text()))
    assert used <= documented, f"undocumented: {sorted(used - documented)}"
    for line in example.splitlines():
        if "=" in line and SECRET_NAME.search(line.split("=")[0]):
            assert line.split("=", 1)[1].strip() == "", (
                f"secret with a value in .env.example: {line}"
            )


SECRET_VOLUMES = {
    "airflow-secrets",
    "warehouse-admin-secrets",
    "warehouse-db-secrets",
    "metadata-db-secrets",
}


def _secret_volumes(service: dict) -> set[str]:
    return {str(v).split(":")[0] for v in service.get("volumes", [])} & SECRET_VOLUMES


def test_each_container_mounts_only_the_secrets_it_uses(compose):
    services = compose["services"]
    expected = {
        "secrets": SECRET_VOLUMES,
        "warehouse": {"warehouse-db-secrets"},
        "airflow-db": {"metadata-db-secrets"},
        "airflow-init": {"airflow-secrets", "warehouse-admin-secrets"},
        "data-docs": set(),
    }
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor"):
        expected[name] = {"airflow-secrets"}
    expected["airflow-triggerer"] = {"airflow-secrets"}
    assert {name: _secret_volumes(s) for name, s in services.items()} == expected


def test_the_warehouse_is_initialised_by_the_shared_script(compose):
    warehouse = compose["services"]["warehouse"]
    mounts = [str(v) for v in warehouse["volumes"]]
    assert (
        "./scripts/warehouse-init.sh:/docker-entrypoint-initdb.d/00_warehouse-init.sh:ro" in mounts
    )
    assert warehouse["environment"]["POSTGRES_PASSWORD_FILE"].endswith("/superuser_password")
    # the tasks connect as their roles; no Airflow component knows the superuser
    airflow_env = compose["x-airflow-common"]["environment"]
    assert not any("WAREHOUSE_PASSWORD" in k for k in airflow_env)


def test_no_airflow_process_serves_logs_or_health_beyond_loopback(compose):
    services = compose["services"]
    for name in ("airflow-scheduler", "airflow-triggerer"):
        assert "--skip-serve-logs" in services[name]["command"], name
    env = compose["x-airflow-common"]["environment"]
    assert env["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST"] == "127.0.0.1"
