#!/usr/bin/env bash
# Intake alone over HTTP: POST /v1/dossiers with wrk (Debian package), each request a new dossier.
#   Benchmarks/intake-http.sh [seconds] [connections] [rate]   (rate needs wrk2; plain wrk runs flat out)
# Start intake first (Deploy/local/run.sh, or only tthc-intake).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
seconds="${1:-15}"
connections="${2:-16}"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/intake-http.lua" "http://127.0.0.1:${TTHC_INTAKE_PORT:-8081}" \
  -- "HTTPB$RANDOM.CB01"
