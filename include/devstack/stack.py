"""The platform without Docker: the services of docker-compose.yml as local processes.

    python -m include.devstack.stack                      # or: make dev
    python -m include.devstack.stack --executor celery    # or: make dev EXECUTOR=celery

Starts a metadata and a warehouse PostgreSQL (throwaway clusters), generates the secrets with
the same script as the compose `secrets` service, runs the same init script, then the Airflow
API server, scheduler, DAG processor and triggerer, and the Data Docs server. With the Celery
executor (docker-compose.celery.yml) it also starts Redis (the machine's redis-server), two Celery
workers and Flower. The Airflow configuration and the services' commands are read from the
compose files; only hosts, ports and paths are rewritten, so the two cannot drift apart.
Everything it started is stopped on exit.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import redis
import yaml

from include.devstack import worker_name
from include.devstack.ports import free_port
from include.devstack.postgres import TemporaryPostgres
from include.elt.core.paths import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
CELERY_COMPOSE_FILE = REPO_ROOT / "docker-compose.celery.yml"
EXECUTORS = ("local", "celery")
CONTAINER_ROOT = "/opt/airflow"
REDIS_CONFIG_DIR = "/usr/local/etc/redis"  # the redis service's secrets mount
REDIS_SERVER = os.environ.get("REDIS_SERVER", "redis-server")
# component -> its compose service, whose command the native process runs
COMPONENTS = {
    "api-server": "airflow-apiserver",
    "scheduler": "airflow-scheduler",
    "dag-processor": "airflow-dag-processor",
    "triggerer": "airflow-triggerer",
}
# Settings the native stack adds: ports that containers get for free, each in its own network.
NATIVE_PORT_SETTINGS = ("AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT",)
# ... and a host name per worker, which containers get for free too (include/devstack/worker_name)
NATIVE_WORKER_SETTINGS = {
    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "include.devstack.worker_name.hostname",
}
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose-style ``${VAR}`` / ``${VAR:-default}`` substitution."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1)) or (m.group(2) or ""), value)


def compose_airflow_environment(
    variables: dict[str, str] | None = None, executor: str = "local"
) -> dict[str, str]:
    """The common environment of the compose file's Airflow services, interpolated; with the
    Celery override's settings on top for ``executor="celery"``."""
    environment = dict(yaml.safe_load(COMPOSE_FILE.read_text())["x-airflow-common"]["environment"])
    if executor == "celery":
        celery = yaml.safe_load(CELERY_COMPOSE_FILE.read_text())["x-celery-environment"]
        environment.update(celery)
    elif executor != "local":
        raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    return {k: interpolate(str(v), variables or {}) for k, v in environment.items()}


def compose_command(service: str, compose_file: Path = COMPOSE_FILE) -> list[str]:
    """A compose service's command (for Airflow's services, the arguments of ``airflow``)."""
    command = yaml.safe_load(compose_file.read_text())["services"][service]["command"]
    return command.split() if isinstance(command, str) else list(command)


def read_env_file(path: Path) -> dict[str, str]:
    """The ``export KEY=value`` lines written by scripts/generate_secrets.py."""
    values = {}
    for line in path.read_text().splitlines():
        parts = shlex.split(line)
        if len(parts) == 2 and parts[0] == "export":
            key, value = parts[1].split("=", 1)
            values[key] = value
    return values


@dataclass
class NativeStack:
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="elt-stack-")))
    api_port: int = field(default_factory=free_port)
    keep_root: bool = False
    # Values for the compose file's ${VARIABLES}, as docker compose takes them from .env or the
    # shell (e.g. ELT_DEFAULT_SCALE, AIRFLOW_WORKER_CONCURRENCY).
    settings: dict[str, str] = field(default_factory=dict)
    # "celery": the services of docker-compose.celery.yml too (Redis, workers, Flower).
    executor: str = "local"
    workers: int = 2
    flower: bool = True
    # Airflow settings a stack changes on top of the compose files' (a test's shorter timeouts).
    airflow_settings: dict[str, str] = field(default_factory=dict)
    redis_port: int = field(default_factory=free_port)
    flower_port: int = field(default_factory=free_port)
    environment: dict[str, str] = field(default_factory=dict)
    _servers: list[TemporaryPostgres] = field(default_factory=list)
    _processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def docs_url(self) -> str:
        """Data Docs, reports and dashboards: the API server's, behind its login."""
        return f"{self.api_url}/published"

    @property
    def flower_url(self) -> str:
        return f"http://127.0.0.1:{self.flower_port}"

    @property
    def celery(self) -> bool:
        return self.executor == "celery"

    @property
    def worker_names(self) -> list[str]:
        """The Celery node names of the workers, also the host names their tasks record."""
        return [f"worker{i}@{socket.gethostname()}" for i in range(1, self.workers + 1)]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def logs_dir(self) -> Path:
        return self.root / "process-logs"

    @property
    def superuser_url(self) -> str:
        """The warehouse's superuser (for tests; the platform never connects as it)."""
        password = (self.root / "secrets/warehouse-db/superuser_password").read_text().strip()
        return f"postgresql://warehouse:{password}@127.0.0.1:{self.warehouse_port}/warehouse"

    def path_map(self) -> dict[str, Path]:
        return {
            f"{CONTAINER_ROOT}/dags": REPO_ROOT / "dags",
            f"{CONTAINER_ROOT}/plugins": REPO_ROOT / "plugins",
            f"{CONTAINER_ROOT}/logs": self.root / "airflow-logs",
            f"{CONTAINER_ROOT}/data": self.data_dir,
            f"{CONTAINER_ROOT}/secrets": self.root / "secrets" / "airflow",
            f"{CONTAINER_ROOT}/warehouse-admin": self.root / "secrets" / "warehouse-admin",
            CONTAINER_ROOT: REPO_ROOT,
            REDIS_CONFIG_DIR: self.root / "secrets" / "redis",
        }

    def airflow_environment(self) -> dict[str, str]:
        """The compose environment with hosts, ports and paths rewritten for this machine."""
        env = compose_airflow_environment(
            {
                **self.settings,
                "AIRFLOW_API_PORT": str(self.api_port),
            },
            self.executor,
        )
        for key, value in env.items():
            value = value.replace("airflow-apiserver:8080", f"127.0.0.1:{self.api_port}")
            for container_path, local in self.path_map().items():  # longest prefixes first
                value = value.replace(container_path, str(local))
            env[key] = value
        env.update({key: str(free_port()) for key in NATIVE_PORT_SETTINGS})
        return env

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, timeout: float = 240) -> NativeStack:
        started = time.perf_counter()
        try:
            self._start(timeout)
        except BaseException:
            self.print_logs()
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - started
        return self

    def _start(self, timeout: float) -> None:
        if self.executor not in EXECUTORS:
            raise ValueError(f"unknown executor {self.executor!r}; choose one of {EXECUTORS}")
        if self.celery and not shutil.which(REDIS_SERVER):
            raise RuntimeError(
                f"{REDIS_SERVER} not found: the Celery executor needs Redis"
                " (Debian: apt-get install redis-server; or set REDIS_SERVER)"
            )
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        warehouse, metadata = TemporaryPostgres(), TemporaryPostgres()
        secrets_dir = self.root / "secrets"
        self._run(
            [sys.executable, str(REPO_ROOT / "scripts/generate_secrets.py"), str(secrets_dir)],
            {
                "WAREHOUSE_HOST": "127.0.0.1",
                "WAREHOUSE_INTERNAL_PORT": str(warehouse.port),
                "METADATA_DB_HOST": "127.0.0.1",
                "METADATA_DB_PORT": str(metadata.port),
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": str(self.redis_port),
                # what compose gives the secrets service from .env (the alerts' SMTP server)
                **{k: v for k, v in self.settings.items() if k.startswith("ELT_ALERT_SMTP_")},
            },
            "secrets",
        )
        for server, user, secret, database in (
            (warehouse, "warehouse", "warehouse-db/superuser_password", "warehouse"),
            (metadata, "airflow", "metadata-db/password", "airflow"),
        ):
            server.user, server.password = user, (secrets_dir / secret).read_text().strip()
            self._servers.append(server.start())
            server.create_database(database)
        # What the warehouse container runs from docker-entrypoint-initdb.d at first start.
        warehouse.init_warehouse(
            "warehouse", role_passwords=secrets_dir / "warehouse-db/role_passwords.sql"
        )
        self.warehouse_port = warehouse.port
        self._metadata_url = metadata.url("airflow")

        inherited = {  # the machine's environment, minus any Airflow or platform setting
            k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ELT_"))
        }
        self.environment = {
            **inherited,
            **self.airflow_environment(),
            **read_env_file(secrets_dir / "airflow/airflow.env"),
            "AIRFLOW_HOME": str(self.root / "airflow-home"),
            "WAREHOUSE_PORT": str(warehouse.port),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **self.airflow_settings,
        }
        if self.celery:
            self._start_redis()
        passwords = "airflow/admin,warehouse-admin/analyst"
        self._run(
            ["bash", str(REPO_ROOT / "scripts/airflow-init.sh")],
            {"ELT_LOGINS_AGAIN": f"cat {secrets_dir}/{{{passwords}}}_password"},
            "airflow-init",
        )
        init_log = (self.logs_dir / "airflow-init.log").read_text().splitlines()
        print("\n".join(line for line in init_log if line.startswith(" ")))
        for component, service in COMPONENTS.items():
            args = ["airflow", *compose_command(service)]
            if component == "api-server":
                args += ["--host", "127.0.0.1", "--port", str(self.api_port)]
            self._spawn(component, args)
        if self.celery:
            self._start_celery()
        self.wait_until_healthy(timeout)

    def _start_redis(self) -> None:
        """The broker: the compose service's command (its config file holds the password), on
        this stack's port and folder, on loopback, without persistence (the stack is thrown
        away)."""
        command = [
            arg.replace(REDIS_CONFIG_DIR, str(self.path_map()[REDIS_CONFIG_DIR]))
            for arg in compose_command("redis", CELERY_COMPOSE_FILE)
        ]
        (self.root / "redis").mkdir()
        command[0] = REDIS_SERVER
        native = ["--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir"]
        self._spawn("redis", [*command, *native, str(self.root / "redis"), "--save", ""])
        password = (self.root / "secrets/redis/password").read_text().strip()
        client = redis.Redis(host="127.0.0.1", port=self.redis_port, password=password)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self._processes["redis"].poll() is not None:
                    raise RuntimeError("redis did not start") from None
                time.sleep(0.2)
            finally:
                client.close()

    def _start_celery(self) -> None:
        """The workers, each under its own node name (several share this machine), and Flower."""
        worker = compose_command("airflow-worker", CELERY_COMPOSE_FILE)
        for name in self.worker_names:
            self._spawn(
                name.split("@")[0],
                ["airflow", *worker, "--celery-hostname", name],
                {**NATIVE_WORKER_SETTINGS, worker_name.VARIABLE: name},
            )
        if self.flower:
            flower = read_env_file(self.root / "secrets/flower/airflow.env")
            self._spawn(
                "flower",
                [
                    "airflow",
                    *compose_command("flower", CELERY_COMPOSE_FILE),
                    *("--hostname", "127.0.0.1", "--port", str(self.flower_port)),
                ],
                flower,
            )

    def celery_workers(self) -> set[str]:
        """The workers that answer a ping through the broker."""
        from celery import Celery

        config = configparser.ConfigParser()
        config.read(self.environment["AIRFLOW_CONFIG"])
        app = Celery(broker=config["celery"]["broker_url"])
        try:
            return {name for reply in app.control.ping(timeout=1.0) for name in reply}
        finally:
            app.close()

    def _run(self, args: list[str], extra_env: dict[str, str], name: str) -> None:
        env = {**(self.environment or os.environ), **extra_env}
        with (self.logs_dir / f"{name}.log").open("w") as log:
            result = subprocess.run(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        if result.returncode:
            raise RuntimeError(f"{name} failed with exit code {result.returncode}")

    def _spawn(self, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> None:
        log = (self.logs_dir / f"{name}.log").open("w")
        self._processes[name] = subprocess.Popen(
            args,
            env={**self.environment, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=REPO_ROOT,
        )

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5) as r:
            return json.load(r)

    def wait_until_healthy(self, timeout: float) -> None:
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            for name, process in self._processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}")
            try:
                last = self.health()
                if (
                    all(
                        (last.get(part) or {}).get("status") == "healthy"
                        for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
                    )
                    and (not self.celery or self._celery_ready())
                    and self._dags_parsed()
                ):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        raise TimeoutError(f"the stack was not healthy after {timeout:.0f}s: {last}")

    def _dags_parsed(self) -> bool:
        """Every DAG file is parsed (a DAG per file, named as it): until then a trigger gets
        "Dag ... not found"."""
        import psycopg2

        wanted = {p.stem for p in (REPO_ROOT / "dags").glob("*.py") if not p.stem.startswith("_")}
        with psycopg2.connect(self._metadata_url) as conn, conn.cursor() as cur:
            cur.execute("select dag_id from dag")
            parsed = {dag_id for (dag_id,) in cur.fetchall()}
        conn.close()
        return wanted <= parsed

    def _celery_ready(self) -> bool:
        if self.flower:
            try:
                urllib.request.urlopen(f"{self.flower_url}/healthcheck", timeout=5).close()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False
        return self.celery_workers() == set(self.worker_names)

    def print_logs(self, lines: int = 40) -> None:
        for path in sorted(self.logs_dir.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            print(f"----- {path.name} (last {len(tail)} lines) -----", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)

    def stop(self) -> None:
        # the broker last, so that the workers can say goodbye through it
        backing = {name: p for name, p in self._processes.items() if name == "redis"}
        others = {name: p for name, p in self._processes.items() if name not in backing}
        for group in (others, backing):
            for process in group.values():
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for name, process in group.items():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    print(f"{name} did not stop in 15s: killing it", file=sys.stderr)
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self._processes.clear()
        for server in self._servers:
            server.stop()
        self._servers.clear()
        if not self.keep_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> NativeStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executor", choices=EXECUTORS, default="local")
    args = parser.parse_args(argv)
    # `kill` stops the stack as cleanly as Ctrl-C: leave the with-block, stop every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stack = NativeStack(settings=dict(os.environ), executor=args.executor)
    print(f"starting the platform natively ({args.executor} executor) under {stack.root} ...")
    with stack:
        celery = ""
        if stack.celery:
            flower = (stack.root / "secrets/flower/password").read_text().strip()
            admin = os.environ.get("AIRFLOW_ADMIN_USER") or "admin"
            celery = (
                f"workers:    {', '.join(stack.worker_names)} (Redis on 127.0.0.1:"
                f"{stack.redis_port})\n"
                f"Flower:     {stack.flower_url}  login {admin} / {flower}\n"
            )
        print(
            f"\nAirflow UI: {stack.api_url}   Data Docs and reports: {stack.docs_url}\n"
            f"warehouse:  127.0.0.1:{stack.warehouse_port}/warehouse (role logins under"
            f" {stack.root}/secrets)\n"
            f"{celery}"
            f"logs:       {stack.logs_dir}\n"
            f"ready in {stack.start_seconds:.0f}s; Ctrl-C stops everything (data is discarded)."
        )
        try:
            signal.pause()
        except KeyboardInterrupt:
            print("\nstopping ...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
