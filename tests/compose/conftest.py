"""The compose test's session: an engine, the images, and one compose project on free ports.

Everything the test measured (image builds, up→healthy, first runs, restart) and the images it
used are printed at the end of the test session and written to test-artifacts/compose.json.
"""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from include.devstack.ports import free_port
from tests.compose import docker
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts"
# One project and image per checkout: two checkouts' tests never share containers, volumes or
# the image their code was built into; a rerun in the same checkout finds its leftovers.
PROJECT = f"elt-test-{hashlib.sha1(str(REPO).encode()).hexdigest()[:8]}"
# The figures the compose test measured, in seconds unless said otherwise.
FIGURES: dict[str, object] = {}


@pytest.fixture(scope="session")
def engine():
    with docker.engine() as how:
        FIGURES["engine"] = how
        FIGURES["compose"] = docker.compose_version()
        yield how


@pytest.fixture(scope="session")
def images(engine) -> dict[str, str]:
    FIGURES["images"] = docker.Images().provide_all()
    return FIGURES["images"]


@pytest.fixture(scope="module")
def compose(images) -> docker.Compose:
    """The project, built and torn down with its volumes (the test's last scenario checks the
    teardown itself); on free ports, tiny scale, short retry delays."""
    project = docker.Compose(
        PROJECT,
        {
            "AIRFLOW_API_PORT": str(free_port()),
            "WAREHOUSE_PORT": str(free_port()),
            "FLOWER_PORT": str(free_port()),
            "ELT_IMAGE": f"elt-platform:{PROJECT}",
            "ELT_DEFAULT_SCALE": "tiny",
            "AIRFLOW_RETRY_DELAY": "10",
        },
    )
    celery = project.with_files(*docker.COMPOSE_FILES)
    celery("down", "--volumes", "--remove-orphans", check=False)  # a previous session's
    started = time.perf_counter()
    project("build")
    FIGURES["project image build"] = round(time.perf_counter() - started)
    try:
        yield project
    finally:
        celery("down", "--volumes", "--remove-orphans", check=False)


def measured(name: str, seconds: float) -> None:
    FIGURES[name] = round(seconds, 1)


def pytest_terminal_summary(terminalreporter) -> None:
    if not FIGURES:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "compose.json").write_text(json.dumps(FIGURES, indent=2) + "\n")
    terminalreporter.section("docker compose, for real")
    for name, value in FIGURES.items():
        if isinstance(value, dict):
            terminalreporter.write_line(f"{name}:")
            for key, item in value.items():
                terminalreporter.write_line(f"    {key}: {item}")
        else:
            terminalreporter.write_line(f"{name}: {value}")
