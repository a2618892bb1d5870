#!/usr/bin/env bash
# Every Airflow container starts here: load the warehouse logins made once by the `secrets`
# service (the tasks this container runs inherit them), then hand over to the official image's
# entrypoint. Airflow's own secret settings are in AIRFLOW_CONFIG, which needs no loading.
set -euo pipefail
secrets_env="${ELT_SECRETS_DIR:-/opt/airflow/secrets}/airflow.env"
if [[ -f "$secrets_env" ]]; then
    # shellcheck source=/dev/null
    source "$secrets_env"
fi
exec /entrypoint "$@"
