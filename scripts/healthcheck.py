#!/usr/bin/env python
"""A compose healthcheck for the Airflow components that serve no health endpoint of their own.

    python scripts/healthcheck.py triggerer|dag_processor

Healthy when the API server's ``/api/v2/monitor/health`` says so: Airflow's own verdict, from the
component's latest heartbeat in the metadata database. ``airflow jobs check`` says the same but
costs an Airflow CLI start (several seconds of CPU every interval, and it needs the secrets the
entrypoint loads, which a healthcheck bypasses); this is one HTTP request. With one container per
component, as in the compose file, the component's health is the container's.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request

API = os.environ.get("ELT_API_HEALTH_URL", "http://airflow-apiserver:8080/api/v2/monitor/health")


def main(component: str) -> int:
    with urllib.request.urlopen(API, timeout=5) as response:
        status = (json.load(response).get(component) or {}).get("status")
    print(f"{component}: {status}")
    return 0 if status == "healthy" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
