#!/usr/bin/env bash
# One-shot init: migrate the metadata database and print the admin login.
set -euo pipefail
airflow db migrate
password_file="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?}"
user="${AIRFLOW_ADMIN_USER:-admin}"
password=$(python -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$password_file" "$user")
echo "=================================================================="
echo " Airflow UI: http://127.0.0.1:${AIRFLOW_API_PORT:-8080}"
echo " Login:      ${user} / ${password}"
echo " (kept in the 'secrets' volume: ${password_file})"
echo "=================================================================="
