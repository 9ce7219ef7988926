#!/usr/bin/env bash
# docker-compose.yml run for real by podman-compose on this machine: the images of build-images.sh,
# the development secrets, ports published on loopback apart from the local servers' (AMQP 5692,
# PostgreSQL 5442, intake 18181, payment 18184, archive 18186). The container test drives it.
#   compose-world.sh up                    broker, database and the six services; waits until healthy
#   compose-world.sh scale SERVICE N       N replicas of SERVICE (deploy.replicas), waits until healthy
#   compose-world.sh kill CONTAINER        SIGKILL, as the kernel's OOM killer or a crash would
#   compose-world.sh ps | logs CONTAINER | down
#   compose-world.sh env                   what points the tests and tthc-admin at this world
# TTHC_COMPOSE_CLUSTER=1: the profile "cluster" too (three RabbitMQ nodes, Deploy/compose/cluster.env).
# TTHC_COMPOSE_TLS=1: with Deploy/compose/tls.yml (amqps only, PostgreSQL TLS only, verify-full; AMQPS
# on 5693); the tests reach both servers over TLS too (TTHC_WORLD_TLS_CA).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
export CONTAINERS_CONF="$repo/Deploy/containers/containers.conf"
project="${TTHC_COMPOSE_PROJECT:-tthc-world}"
world_dir="${TTHC_COMPOSE_WORLD_DIR:-/var/tmp/tthc-compose-world}"
services=(intake validation routing payment notification archive)
log() { printf '[compose-world] %s\n' "$*" >&2; }

export TTHC_SECRETS_DIR=./Deploy/compose/development-secrets TTHC_DEVELOPMENT=1
brokers=(rabbitmq)
files=(-f docker-compose.yml -f Deploy/compose/database-port.yml)
tls="${TTHC_COMPOSE_TLS:-0}"
if [ "$tls" = 1 ]; then
  [ "${TTHC_COMPOSE_CLUSTER:-0}" = 1 ] && { log "TLS is not set up for the cluster profile"; exit 2; }
  export TTHC_SECRETS_DIR=./Deploy/compose/development-tls-secrets TTHC_AMQPS_PUBLISHED_PORT=5693 TTHC_RABBITMQ_UI_TLS_PORT=15683
  files+=(-f Deploy/compose/tls.yml)
fi
if [ "${TTHC_COMPOSE_CLUSTER:-0}" = 1 ]; then
  # podman-compose 1.0 knows no profiles: the cluster's services are named, as in cluster.env.
  export TTHC_SECRETS_DIR=./Deploy/compose/development-cluster-secrets RABBITMQ_ERLANG_COOKIE=tthc-development-erlang-cookie
  brokers=(rabbitmq rabbitmq-2 rabbitmq-3 rabbitmq-quorum-members)
fi
export TTHC_IMAGE=localhost/tthc:latest TTHC_RABBITMQ_IMAGE=localhost/tthc-rabbitmq:bookworm \
  TTHC_POSTGRES_IMAGE=localhost/tthc-postgres:bookworm
export TTHC_AMQP_PUBLISHED_PORT=5692 TTHC_RABBITMQ_UI_PORT=15682 TTHC_POSTGRES_PUBLISHED_PORT=5442 \
  TTHC_INTAKE_PUBLISHED_PORT=18181 TTHC_PAYMENT_PUBLISHED_PORT=18184 TTHC_ARCHIVE_PUBLISHED_PORT=18186
# The organisations' signing keys the tests issue, and the development signing CA (public).
export TTHC_ORGANISATION_KEYS_DIR="$world_dir/organisation-keys"
export TTHC_SIGNATURE_TRUST_ANCHORS_FILE=./Deploy/local/dev-signing/signing-ca.pem
export TTHC_INTAKE_CONTENT_KEY_ID="" TTHC_ROUTING_CONTENT_KEY_ID=""
for service in "${services[@]}"; do
  variable="TTHC_${service^^}_REPLICAS"
  export "$variable=${!variable:-1}"
done

# PostgreSQL published on loopback too (Deploy/compose/database-port.yml): the tests read every schema.
compose() {
  podman-compose -p "$project" "${files[@]}" "$@" >>"$world_dir/compose.log" 2>&1
}
containers() { podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}' | sort; }

# Every container of the world running and, where it has a health check, healthy (podman runs the
# checks on demand here: no systemd timers).
await_healthy() {
  local deadline=$((SECONDS + ${1:-180})) pending healthy=" "
  while :; do
    pending=()
    for container in $(containers); do
      # A check starts an Erlang VM for the broker: once healthy, a container is not asked again.
      case "$healthy" in *" $container "*) continue ;; esac
      case "$container" in
        # A one-shot job: done when it exited 0.
        *_rabbitmq-quorum-members_* | *-tls-files_*) [ "$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$container")" = "exited 0" ] \
          || pending+=("$container") ;;
        *) [ "$(podman inspect -f '{{.State.Running}}' "$container")" = true ] && podman healthcheck run "$container" >/dev/null 2>&1 \
          || pending+=("$container") ;;
      esac
      case " ${pending[*]} " in *" $container "*) ;; *) healthy+="$container " ;; esac
    done
    [ "${#pending[@]}" -eq 0 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      log "not healthy: ${pending[*]}"
      for container in "${pending[@]}"; do podman logs --tail 5 "$container" >&2 || true; done
      return 1
    fi
    sleep 1
  done
}

down() {
  containers | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
  podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  podman network rm -f "${project}_default" >/dev/null 2>&1 || true
}

case "${1:-ps}" in
  up)
    mkdir -p "$world_dir/organisation-keys"
    : >"$world_dir/compose.log"
    down
    if [ "$tls" = 1 ]; then
      # podman-compose 1.0 does not wait for service_completed_successfully: the jobs copying the
      # servers' keys run to their end first (the next up starts them again, harmlessly).
      compose up -d --no-build rabbitmq-tls-files postgres-tls-files || { tail -20 "$world_dir/compose.log" >&2; exit 1; }
      await_healthy 60
    fi
    # The services by name: podman-compose 1.0 knows no profiles (the gateway sandbox stays out).
    compose up -d --no-build "${brokers[@]}" postgres "${services[@]}" || { tail -20 "$world_dir/compose.log" >&2; exit 1; }
    await_healthy 240
    log "up: $(containers | tr '\n' ' ')" ;;
  scale)
    service="${2:?service}"; count="${3:?count}"
    export "TTHC_${service^^}_REPLICAS=$count"
    # Existing containers are kept (their names are taken); the missing replicas are created.
    # podman-compose 1.0 answers non-zero for the replicas already running ("name in use"): the
    # health of every replica below is what tells.
    compose up -d --no-build "$service" || true
    await_healthy 120
    log "$service: $(containers | grep -c "^${project}_${service}_") replica(s)" ;;
  kill) podman kill -s KILL "${2:?container}" >/dev/null ;;
  ps) containers ;;
  logs) podman logs "${2:?container}" ;;
  down) down; log "down" ;;
  env)
    password="$(cat Deploy/compose/development-secrets/postgres-password)"
    if [ "$tls" = 1 ]; then
      # By the name localhost: rabbitmq-c's host name check ignores the certificates' IP addresses.
      ca="$repo/Deploy/compose/development-tls-secrets/tls-ca"
      host=localhost amqp_port=$TTHC_AMQPS_PUBLISHED_PORT tls_query="?sslmode=verify-full&sslrootcert=$ca"
    else
      ca="" host=127.0.0.1 amqp_port=$TTHC_AMQP_PUBLISHED_PORT tls_query=""
    fi
    cat <<ENV
export TTHC_COMPOSE_PROJECT='$project' TTHC_COMPOSE_TLS=$tls TTHC_WORLD_TLS_CA='$ca' TTHC_AMQP_HOST=$host TTHC_AMQP_PORT=$amqp_port
export TTHC_PG_HOST=$host TTHC_PG_PORT=$TTHC_POSTGRES_PUBLISHED_PORT TTHC_PG_SOCKET_DIR= TTHC_PG_SUPERUSER_PASSWORD='$password'
export TTHC_ADMIN_DATABASE_URL='postgres://postgres:$password@$host:$TTHC_POSTGRES_PUBLISHED_PORT/tthc$tls_query'
export TTHC_ORGANISATION_KEYS_DIRECTORY='$TTHC_ORGANISATION_KEYS_DIR'
ENV
    ;;
  *) echo "usage: $0 up|scale SERVICE N|kill CONTAINER|ps|logs CONTAINER|down|env" >&2; exit 2 ;;
esac
