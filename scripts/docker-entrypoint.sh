#!/usr/bin/env bash
# Every Airflow container starts here: load the secrets made once by the `secrets` service,
# then hand over to the official image's entrypoint.
set -euo pipefail
secrets_env="${ELT_SECRETS_DIR:-/opt/airflow/secrets}/airflow.env"
if [[ -f "$secrets_env" ]]; then
    # shellcheck source=/dev/null
    source "$secrets_env"
fi
exec /entrypoint "$@"
