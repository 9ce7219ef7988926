#!/usr/bin/env bash
# Stops the services started by run.sh (SIGTERM: they finish in-flight work and exit 0);
# with "all", RabbitMQ and PostgreSQL too.
#   Deploy/local/stop.sh [services|all]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
eval "$(bash "$repo/Deploy/local/servers.sh" env)"
run_dir="$TTHC_LOCAL_DIR/run"
if [ -d "$run_dir" ]; then
  for pid_file in "$run_dir"/*.pid; do
    [ -e "$pid_file" ] || continue
    pid="$(cat "$pid_file")"
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; fi
  done
  for pid_file in "$run_dir"/*.pid; do
    [ -e "$pid_file" ] || continue
    pid="$(cat "$pid_file")"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pid_file"
  done
fi
if [ "${1:-services}" = "all" ]; then bash "$repo/Deploy/local/servers.sh" stop; fi
