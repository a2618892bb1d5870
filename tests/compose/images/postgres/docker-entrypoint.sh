#!/usr/bin/env bash
# The stand-in postgres image's entrypoint (see the Dockerfile): a new PGDATA is initialised
# with POSTGRES_USER as superuser (password from POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE),
# POSTGRES_DB is created and /docker-entrypoint-initdb.d run against a server that listens on its
# socket alone (*.sh executed, or sourced when not executable; *.sql through psql); then the
# server runs, listening on every address with scram-sha-256 passwords.
set -euo pipefail

if [[ "${1:-}" == "postgres" && "$(id -u)" == "0" ]]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 0700 "$PGDATA"
    exec gosu postgres "$0" "$@"
fi

if [[ "${1:-}" == "postgres" && ! -s "$PGDATA/PG_VERSION" ]]; then
    : "${POSTGRES_USER:=postgres}"
    if [[ -n "${POSTGRES_PASSWORD_FILE:-}" ]]; then
        POSTGRES_PASSWORD="$(<"$POSTGRES_PASSWORD_FILE")"
    fi
    : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE}"
    : "${POSTGRES_DB:=$POSTGRES_USER}"
    export POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB

    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password)
    if [[ "$POSTGRES_DB" != "postgres" ]]; then
        "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'create database :"db";'
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) echo "running $f"; if [[ -x "$f" ]]; then "$f"; else . "$f"; fi ;;
            *.sql) echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
            *) [[ -e "$f" ]] && echo "ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
