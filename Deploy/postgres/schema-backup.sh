#!/usr/bin/env bash
# Backs up or restores one service's schema: its tables, sequences, functions, audit log, inbox,
# outbox and timers with their data (pg_dump's custom format), nothing of the other services.
#   Deploy/postgres/schema-backup.sh backup SERVICE FILE
#   Deploy/postgres/schema-backup.sh restore SERVICE FILE     (stop the service's replicas first)
# The server is named as libpq reads it: PGHOST, PGPORT, PGUSER, PGDATABASE (default tthc); the
# role must read the schema (backup) or own it (restore: the schema is dropped and re-created
# with its owner and grants as they were). A restore brings the schema back to the time of the
# backup; messages the service handled since are redelivered from its queues or, if already
# acknowledged, are lost to it: restore, then replay from the other services or the broker.
set -euo pipefail
action="${1:-}" service="${2:-}" file="${3:-}"
case "$service" in intake|validation|routing|payment|notification|archive) ;; *)
  echo "usage: $0 backup|restore intake|validation|routing|payment|notification|archive FILE" >&2; exit 2 ;;
esac
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/pg_dump" ] || bin="$(dirname "$(command -v pg_dump)")"
export PGDATABASE="${PGDATABASE:-tthc}"
case "$action" in
  backup) "$bin/pg_dump" --format=custom --schema="$service" --file="$file" ;;
  restore)
    # Only a backup of this service's schema, nothing else, may replace it.
    schemas="$("$bin/pg_restore" --list "$file" | awk '$4 == "SCHEMA" || ($4 == "TABLE" && $5 == "DATA") {print $6} $4 == "TABLE" && $5 != "DATA" {print $5}' | sort -u)"
    if [ "$schemas" != "$service" ]; then
      echo "$file holds schema(s) $(echo $schemas), not only $service: not restored" >&2; exit 1
    fi
    # One transaction: the schema as it is now (newer objects included) is dropped, the backup's
    # put in its place; any error leaves the schema as it was.
    "$bin/pg_restore" --file=- "$file" | "$bin/psql" -X -q --single-transaction -v ON_ERROR_STOP=1 \
      -c "DROP SCHEMA IF EXISTS $service CASCADE" -f - >/dev/null ;;
  *) echo "usage: $0 backup|restore SERVICE FILE" >&2; exit 2 ;;
esac
