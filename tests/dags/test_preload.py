"""plugins/airflow_local_settings.py: the processes tasks fork from import Great Expectations
as they start (so their tasks do not); the others, and any process with ELT_PRELOAD=false,
do not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Airflow as `airflow <command>` starts it: its settings read the local settings at import.
PROBE = (
    "import sys; sys.argv = ['airflow', *sys.argv[1:]]; import airflow;"
    " print(sorted({'great_expectations', 'airflow.sdk'} & set(sys.modules)))"
)


def _preloaded(*command: str, **env: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return out.strip().splitlines()[-1]


@pytest.mark.parametrize("command", [["scheduler"], ["celery", "worker"], ["dag-processor"]])
def test_the_processes_tasks_fork_from_import_gx_as_they_start(command):
    assert _preloaded(*command) == "['airflow.sdk', 'great_expectations']"


def test_other_processes_and_a_process_told_not_to_import_nothing_more():
    assert "great_expectations" not in _preloaded("api-server")
    assert "great_expectations" not in _preloaded("scheduler", ELT_PRELOAD="false")
