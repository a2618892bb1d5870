#!/usr/bin/env bash
# The warehouse's first start, as its superuser: the roles, their passwords, then the schemas,
# platform tables and privileges as elt_owner. Compose runs it from the postgres image's
# /docker-entrypoint-initdb.d; `make dev` and the tests run this same script against their
# throwaway servers (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
#   ELT_SQL_DIR              the folder holding roles.sql and warehouse.sql
#   ELT_ROLE_PASSWORDS_FILE  SQL setting each role's password, as SCRAM verifiers (never plain)
set -euo pipefail
export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
export PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-$PGUSER}}"
sql_dir="${ELT_SQL_DIR:?set ELT_SQL_DIR to the folder with roles.sql and warehouse.sql}"
passwords="${ELT_ROLE_PASSWORDS_FILE:?set ELT_ROLE_PASSWORDS_FILE to the role password verifiers}"

run() { psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet "$@"; }
run -f "$sql_dir/roles.sql"
run -f "$passwords"
run -c "set role elt_owner" -f "$sql_dir/warehouse.sql"
echo "warehouse $PGDATABASE: roles, schemas and platform tables ready"
