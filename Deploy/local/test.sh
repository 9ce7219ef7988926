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
swift build --build-tests
TTHC_BIN_DIR="$(swift build --show-bin-path)"
export TTHC_BIN_DIR
swift test --skip-build "$@"
