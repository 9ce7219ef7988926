#!/usr/bin/env bash
# Runs every test against real RabbitMQ and PostgreSQL, starting them first if needed.
#   Deploy/local/test.sh [swift test arguments, e.g. --filter EndToEndTests]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
bash Deploy/local/servers.sh start
eval "$(bash Deploy/local/servers.sh env)"
# Services started by run.sh would compete with the tests' own processes for the queues.
bash Deploy/local/stop.sh services
bash Deploy/local/check-contracts.sh
# The Kubernetes manifests' offline validator (Deploy/k8s/validate.py) uses Kubernetes' schemas; the
# tests' trace collector (Deploy/local/otlp-collector.py) OpenTelemetry's protocol classes.
python3 -m pip install -q --disable-pip-version-check kubernetes-validate opentelemetry-proto 2>&1 | grep -v WARNING || true
swift build --build-tests
TTHC_BIN_DIR="$(swift build --show-bin-path)"
export TTHC_BIN_DIR
swift test --skip-build "$@"
# Without arguments, three runs of issue 22 after the suite: a database server per service, the
# three-node RabbitMQ cluster (every test helper on node 1, the services given all three nodes),
# and the containers.
if [ $# -eq 0 ]; then
  # A database server per service: the rest of the services on a second PostgreSQL server.
  status=0
  bash Deploy/local/servers.sh second-postgres start
  eval "$(bash Deploy/local/servers.sh second-postgres env)"
  swift test --skip-build --filter DatabasePerServiceTests || status=$?
  bash Deploy/local/servers.sh second-postgres stop
  bash Deploy/local/servers.sh cluster start
  eval "$(bash Deploy/local/servers.sh cluster env)"
  first_node="${TTHC_CLUSTER_AMQP_ADDRESSES%% *}"
  TTHC_AMQP_PORT="${first_node##*:}" TTHC_CLUSTER_AMQP_ADDRESSES="$TTHC_CLUSTER_AMQP_ADDRESSES" \
    swift test --skip-build --filter ClusterTests || status=$((status ? status : $?))
  bash Deploy/local/servers.sh cluster stop
  # Containers: the compose file run by podman from locally built images, validation scaled to 3
  # and a replica SIGKILLed, then with TLS (Deploy/containers; the tests bring the world up and down).
  if bash Deploy/containers/build-images.sh; then
    # A world the env did not describe would skip the test: refuse that instead.
    (set -e; eval "$(bash Deploy/containers/compose-world.sh env)"; [ -n "${TTHC_COMPOSE_PROJECT:-}" ]
     swift test --skip-build --filter ContainerTests) || status=$((status ? status : $?))
    # The same world with Deploy/compose/tls.yml: amqps and PostgreSQL over TLS only, verify-full.
    (set -e; eval "$(TTHC_COMPOSE_TLS=1 bash Deploy/containers/compose-world.sh env)"; [ -n "${TTHC_WORLD_TLS_CA:-}" ]
     swift test --skip-build --filter ContainerTLSTests) || status=$((status ? status : $?))
  else
    status=$((status ? status : 1))
  fi
  exit "$status"
fi
