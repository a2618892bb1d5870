"""docker-compose.yml, checked without Docker: the Compose specification plus our own rules."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
CELERY = REPO / "docker-compose.celery.yml"  # the CeleryExecutor override
ONE_SHOT = {"secrets", "airflow-init"}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|FERNET_KEY|TOKEN)$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.mark.parametrize("path", [COMPOSE, CELERY], ids=lambda p: p.name)
def test_matches_the_compose_specification(path):
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(path)],
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
    # Data Docs, reports and dashboards are the API server's, behind its login
    assert set(published) == {"warehouse", "airflow-apiserver"}
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


# --- the CeleryExecutor override: docker-compose.celery.yml on top of docker-compose.yml ------

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
# compose's merge rules: these are replaced, not appended to
REPLACED = {"command", "entrypoint", "test"}


def _merge(base, override):
    """Compose's merge of two definitions (``-f a -f b``, ``extends``): mappings key by key,
    sequences appended (without repeats), the rest and the keys in REPLACED overridden."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = value if key in REPLACED or key not in base else _merge(base[key], value)
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return base + [item for item in override if item not in base]
    return override


def _project(*files: Path) -> dict:
    """The services of ``docker compose -f ... -f ...``, with ``extends`` resolved."""
    document: dict = {}
    for path in files:
        document = _merge(document, yaml.safe_load(path.read_text()))
    services = document["services"]
    for name, service in services.items():
        if "extends" in service:
            extends = service.pop("extends")
            source = yaml.safe_load((REPO / extends["file"]).read_text())["services"]
            services[name] = _merge(source[extends["service"]], service)
    return document


@pytest.fixture(scope="module")
def celery() -> dict:
    return _project(COMPOSE, CELERY)


def test_the_default_platform_stays_on_the_local_executor(compose):
    assert not {"redis", "airflow-worker", "flower"} & set(compose["services"])
    assert compose["x-airflow-common"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    for name in AIRFLOW_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
    assert "AIRFLOW__CELERY" not in COMPOSE.read_text()  # no Celery setting either


def test_the_override_runs_every_airflow_container_on_celery(celery):
    services = celery["services"]
    assert {"redis", "airflow-worker", "flower"} <= set(services)
    executor = celery["x-celery-environment"]
    assert executor["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for name in [*AIRFLOW_SERVICES, "airflow-worker", "flower"]:
        env = services[name]["environment"]
        assert executor.items() <= env.items(), name
    # the native stack reads x-celery-environment: it is all the override changes
    raw = yaml.safe_load(CELERY.read_text())["services"]
    for name in AIRFLOW_SERVICES:
        assert raw[name] == {"environment": executor}, name


def test_workers_run_celery_and_scale(celery):
    worker = celery["services"]["airflow-worker"]
    assert worker["command"][:2] == ["celery", "worker"]
    assert "--skip-serve-logs" in worker["command"]  # logs are read from the shared volume
    assert worker["deploy"]["replicas"] == 2
    # --scale needs containers without a fixed name or host port
    assert not {"container_name", "hostname", "ports"} & set(worker)
    assert worker["image"] == celery["services"]["airflow-scheduler"]["image"]
    assert worker["volumes"] == celery["services"]["airflow-scheduler"]["volumes"]
    assert {"airflow-init", "airflow-apiserver", "redis"} <= set(worker["depends_on"])
    assert "${HOSTNAME}" in worker["healthcheck"]["test"][-1]  # pings its own worker


def test_broker_and_result_backend_come_from_the_generated_secrets(celery, tmp_path):
    for path in (COMPOSE, CELERY):
        text = path.read_text()
        assert "BROKER_URL" not in text and "RESULT_BACKEND" not in text, path
    subprocess.run(
        [sys.executable, str(REPO / "scripts/generate_secrets.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        env={"PATH": ""},
    )
    config = configparser.ConfigParser()
    config.read(tmp_path / "airflow/airflow.cfg")
    broker, backend = config["celery"]["broker_url"], config["celery"]["result_backend"]
    # each names a service of the project, at its container port, with a password
    assert re.fullmatch(r"redis://:[^@]{20,}@redis:6379/0", broker)
    assert re.fullmatch(r"db\+postgresql://airflow:[^@]{20,}@airflow-db:5432/airflow", backend)
    assert {"redis", "airflow-db"} <= set(celery["services"])
    redis = celery["services"]["redis"]
    assert redis["command"] == ["redis-server", "/usr/local/etc/redis/redis.conf"]
    assert "redis-secrets:/usr/local/etc/redis:ro" in redis["volumes"]
    assert (tmp_path / "redis/redis.conf").read_text().startswith("requirepass ")


def test_the_celery_profile_keeps_the_rules_of_the_default_one(celery):
    services = celery["services"]
    for name, service in services.items():
        if name not in ONE_SHOT:
            assert "healthcheck" in service and service["healthcheck"]["test"], name
        for target in service.get("depends_on", {}):
            assert target in services, f"{name} depends on unknown service {target}"
        if name != "secrets":
            assert str(service.get("user", "")).split(":")[0] not in ("0", "root"), name
    published = {n: s["ports"] for n, s in services.items() if "ports" in s}
    assert set(published) == {"warehouse", "airflow-apiserver", "flower"}
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond localhost"


def test_each_celery_container_mounts_only_the_secrets_it_uses(celery):
    volumes = SECRET_VOLUMES | {"redis-secrets", "flower-secrets"}

    def mounted(service):
        return {str(v).split(":")[0] for v in service.get("volumes", [])} & volumes

    services = celery["services"]
    assert mounted(services["secrets"]) == volumes
    assert mounted(services["redis"]) == {"redis-secrets"}
    assert mounted(services["flower"]) == {"flower-secrets"}  # no database or warehouse login
    assert mounted(services["airflow-worker"]) == {"airflow-secrets"}
    for name, service in services.items():
        if name not in ("secrets", "redis", "flower"):
            assert mounted(service) <= SECRET_VOLUMES, name
    owners = services["secrets"]["environment"]["ELT_SECRETS_OWNERS"]
    assert {"redis=999:999", "flower=50000:0"} <= set(owners.split(","))


def test_every_setting_of_the_override_is_documented():
    example = (REPO / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]+)", CELERY.read_text()))
    assert used and used <= documented, f"undocumented: {sorted(used - documented)}"
    assert "COMPOSE_FILE=docker-compose.yml:docker-compose.celery.yml" in example
