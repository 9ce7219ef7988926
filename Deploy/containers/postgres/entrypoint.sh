#!/bin/sh
# First start: a cluster in $PGDATA whose superuser has the password in $POSTGRES_PASSWORD_FILE,
# the database $POSTGRES_DB, and the scripts of /docker-entrypoint-initdb.d run in it while the
# server listens on no network port (so services wait until the roles exist). Then the server.
set -eu
# Another command (a shell, a one-shot job) runs as it is, as in the official image.
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file="${POSTGRES_PASSWORD_FILE:?set POSTGRES_PASSWORD_FILE (a Docker secret)}"
  [ -s "$password_file" ] || { echo "empty or unreadable $password_file" >&2; exit 1; }
  initdb --username=postgres --pwfile="$password_file" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  [ "${POSTGRES_DB:-postgres}" = postgres ] || createdb "$POSTGRES_DB"
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$script" ] || continue
    echo "running $script" >&2
    psql -v ON_ERROR_STOP=1 --quiet --dbname "${POSTGRES_DB:-postgres}" -f "$script"
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
if [ "${1:-}" = postgres ]; then shift; exec postgres -c listen_addresses='*' "$@"; fi
exec "$@"
