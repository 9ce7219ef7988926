#!/usr/bin/env bash
# A three-node RabbitMQ cluster as local processes (issue 22), beside the single development broker:
# nodes tthc-c1..c3@localhost on AMQP ports ${TTHC_CLUSTER_AMQP_PORT:-5682} and the two after it,
# with the same definitions (users, vhost, permissions, policies). The services' quorum queues get a
# member on each node; give the services every address (TTHC_AMQP_URL, comma-separated) and they
# fail over. Run through servers.sh:
#   Deploy/local/servers.sh cluster start|stop|status|env|kill N|restart N|rabbitmqctl N ARGS
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base_port="${TTHC_CLUSTER_AMQP_PORT:-5682}"
rmq_bin=/usr/lib/rabbitmq/bin
# The same Erlang cookie as the single broker (servers.sh): tthc-admin and rabbitmqctl reach both.
erlang_home="${TTHC_ERLANG_HOME:-/var/tmp/tthc-erlang}"
root="${TTHC_CLUSTER_DIR:-/var/tmp/tthc-cluster}"

log() { printf '[cluster] %s\n' "$*" >&2; }
port() { echo $((base_port + $1 - 1)); }
node() { echo "tthc-c$1@localhost"; }

node_env() {
  local n="$1" dir="$root/c$1"
  mkdir -p "$dir/log" "$erlang_home"
  export HOME="$erlang_home" RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_NODENAME="$(node "$n")" RABBITMQ_NODE_PORT="$(port "$n")" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_PID_FILE="$dir/pid" RABBITMQ_DIST_PORT=$(($(port "$n") + 20000))
}
ctl() { local n="$1"; shift; (node_env "$n"; "$rmq_bin/rabbitmqctl" -n "$(node "$n")" "$@"); }
ready() { ctl "$1" -q status >/dev/null 2>&1; }

wait_for() {
  local what="$1" n="$2" seconds="$3"
  for _ in $(seq 1 $((seconds * 5))); do ready "$n" && return 0; sleep 0.2; done
  log "$what did not come up in ${seconds}s; its log: $root/c$n/log"; return 1
}

# Launches a node without waiting for it: a clustered node that restarts waits for its peers,
# so all three are launched before any is waited for.
launch_node() {
  local n="$1" dir="$root/c$1"
  if ready "$n"; then return 0; fi
  mkdir -p "$dir"
  echo "[]." > "$dir/enabled_plugins"
  cat > "$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$(port "$n")
loopback_users = none
heartbeat = 30
EOF
  # Detached, but holding none of our descriptors: a caller reading our output would wait for ever.
  (node_env "$n"; "$rmq_bin/rabbitmq-server" -detached </dev/null >>"$dir/log/detached.log" 2>&1)
}

start_node() { launch_node "$1"; wait_for "node $(node "$1")" "$1" 90; }

members() { ctl 1 -q cluster_status --formatter json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["running_nodes"])))' 2>/dev/null || true; }

start() {
  for n in 1 2 3; do launch_node "$n"; done
  for n in 1 2 3; do wait_for "node $(node "$n")" "$n" 120; done
  # Nodes 2 and 3 join node 1 once; a restarted node rejoins by itself.
  for n in 2 3; do
    if ! members | grep -q "$(node "$n")"; then
      ctl "$n" -q stop_app >>"$root/join.log" 2>&1
      ctl "$n" -q reset >>"$root/join.log" 2>&1
      ctl "$n" -q join_cluster "$(node 1)" >>"$root/join.log" 2>&1 || { log "node $n could not join: $root/join.log"; exit 1; }
      ctl "$n" -q start_app >>"$root/join.log" 2>&1
    fi
  done
  ctl 1 -q import_definitions "$repo/Deploy/rabbitmq/definitions.json" >/dev/null
  log "cluster ready: $(members)"
}

stop() {
  for n in 3 2 1; do ready "$n" && ctl "$n" -q stop >/dev/null 2>&1 || true; done
  log "cluster stopped"
}

# SIGKILL one node's Erlang VM: a crash, not a shutdown.
kill_node() {
  local n="$1" pid
  pid="$(cat "$root/c$n/pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do ready "$n" || { log "killed $(node "$n")"; return 0; }; sleep 0.2; done
  log "$(node "$n") still answers"; return 1
}

print_env() {
  local urls=() n
  for n in 1 2 3; do urls+=("127.0.0.1:$(port "$n")"); done
  echo "export TTHC_CLUSTER_AMQP_ADDRESSES='${urls[*]}'"
}

case "${1:-status}" in
  start) start ;;
  stop) stop ;;
  status) members ;;
  env) print_env ;;
  kill) kill_node "$2" ;;
  restart) start_node "$2"; log "back: $(members)" ;;
  rabbitmqctl) n="$2"; shift 2; ctl "$n" "$@" ;;
  *) echo "usage: $0 start|stop|status|env|kill N|restart N|rabbitmqctl N ARGS" >&2; exit 2 ;;
esac
