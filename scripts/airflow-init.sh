#!/usr/bin/env bash
# One-shot init at every start: migrate the Airflow metadata database (the FAB auth manager's
# users and roles with it) and the warehouse (as its owner: this is the only container with that
# login), make or update the UI's administrator, and show the logins the first time.
#   airflow-init.sh          init; print the logins at the first start only
#   airflow-init.sh logins   print them again (`make logins`)
set -euo pipefail
admin_dir="${ELT_WAREHOUSE_ADMIN_DIR:?}"
password_file="${ELT_SECRETS_DIR:?}/admin_password"
user="${AIRFLOW_ADMIN_USER:-admin}"

print_logins() {
    local password analyst
    password=$(cat "$password_file")
    analyst=$(cat "$admin_dir/analyst_password")
    echo "=================================================================="
    echo " Airflow UI: http://127.0.0.1:${AIRFLOW_API_PORT:-8080}"
    echo " Login:      ${user} / ${password}"
    echo " Warehouse, read-only gold for BI tools:"
    echo "   postgresql://analyst:${analyst}@127.0.0.1:${WAREHOUSE_PORT:-5433}/warehouse"
    echo " (shown at the first start only; again with: ${ELT_LOGINS_AGAIN:-make logins})"
    echo "=================================================================="
}

if [[ "${1:-}" == "logins" ]]; then
    print_logins
    exit 0
fi

airflow db migrate
# The OpenLineage file transport writes one file per event here; it makes no folder itself.
if [[ -n "${OPENLINEAGE__TRANSPORT__LOG_FILE_PATH:-}" ]]; then
    mkdir -p "$(dirname "$OPENLINEAGE__TRANSPORT__LOG_FILE_PATH")"
fi
python "$(dirname "$0")/ensure_admin.py"
# shellcheck source=/dev/null
source "$admin_dir/owner.env"
python -m include.elt.warehouse.migrate
if [[ ! -e "$admin_dir/.logins-shown" ]]; then
    print_logins
    touch "$admin_dir/.logins-shown"
fi
