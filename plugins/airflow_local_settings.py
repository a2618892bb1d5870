"""Airflow's local settings (read by every Airflow process as it starts; the plugins folder is
on its path): the libraries every task imports, imported once by the processes tasks fork from.

Task processes are forks: of the LocalExecutor's workers (forks of the scheduler), of a Celery
worker's pool, and the DAG processor parses each file in a fork of itself. A fork has what its
parent imported. Great Expectations costs 2–3 s to import and every task imports it (a domain's
checks declare expectations; the gates and publish run them), so the scheduler, the Celery
worker and the DAG processor import it, with the Task SDK, before they fork, and no task pays
for it again. The platform's own modules (include/) are not preloaded: a task imports them
afresh, so an edit reaches the next task without a restart.

ELT_PRELOAD=false turns it off (`scripts/bench.py --only airflow` measures both).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

PRELOAD_ENV = "ELT_PRELOAD"
# `airflow <command>`s whose process forks the tasks, or the DAG files' parses
FORKING = (("scheduler",), ("celery", "worker"), ("dag-processor",))
MODULES = (
    "airflow.sdk",
    "great_expectations",
    "great_expectations.expectations",
    "great_expectations.render.view",
)


def preload() -> None:
    if os.environ.get(PRELOAD_ENV, "true").lower() in ("0", "false", "no"):
        return
    if not any(tuple(sys.argv[1 : 1 + len(c)]) == c for c in FORKING):
        return
    # GX logs its internals at INFO as it imports (include/elt/stages/validate/data_docs.py)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name in MODULES:
        importlib.import_module(name)
    for name in list(logging.root.manager.loggerDict):
        if "great_expectations" in name:
            logging.getLogger(name).setLevel(logging.WARNING)


preload()
