"""The host name a task instance records when several Celery workers share one machine.

Airflow records the machine's name (``[core] hostname_callable``, default ``socket.getfqdn``),
which is every worker's when they run side by side, as the native stack's do. The native stack
points ``hostname_callable`` here and gives each worker process its Celery node name in
``ELT_WORKER_HOSTNAME``, so the UI and the REST API tell the workers apart. In containers each
worker has a host name of its own and the default stays.
"""

from __future__ import annotations

import os

VARIABLE = "ELT_WORKER_HOSTNAME"


def hostname() -> str:
    name = os.environ.get(VARIABLE)
    if not name:  # set with the callable by the native stack; one without the other is a bug
        raise RuntimeError(f"[core] hostname_callable points here but {VARIABLE} is not set")
    return name
