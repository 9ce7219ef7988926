#!/usr/bin/env bash
# Starts, stops and checks RabbitMQ and PostgreSQL as local processes (no Docker), with their data
# under a git-ignored folder, and applies Deploy/rabbitmq definitions and Deploy/postgres roles;
# and a Postfix mail server for notification's e-mail channel (Deploy/local/mailserver.sh).
#   Deploy/local/servers.sh install|start|stop|status|env
#   Deploy/local/servers.sh cluster start|stop|status|kill N|restart N   (three RabbitMQ nodes, cluster.sh)
#   Deploy/local/servers.sh second-postgres start|stop|env              (a second database server, 5433)
# Ports: RabbitMQ ${TTHC_AMQP_PORT:-5672}, PostgreSQL ${TTHC_PG_PORT:-5432}, SMTP ${TTHC_SMTP_PORT:-2525},
# all on 127.0.0.1.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
amqp_port="${TTHC_AMQP_PORT:-5672}"
amqps_port="${TTHC_AMQPS_PORT:-5671}"
pg_port="${TTHC_PG_PORT:-5432}"
pg_bin=/usr/lib/postgresql/15/bin
rmq_bin=/usr/lib/rabbitmq/bin

# Data lives in <repo>/.local unless the postgres user cannot reach it (a clone under a private
# temporary folder, for instance): then under /var/tmp, keyed by the repository path.
data_root() {
  if [ -n "${TTHC_LOCAL_DIR:-}" ]; then echo "$TTHC_LOCAL_DIR"; return; fi
  if id postgres >/dev/null 2>&1 && runuser -u postgres -- test -x "$repo" 2>/dev/null; then
    echo "$repo/.local"
  else
    echo "/var/tmp/tthc-local-$(echo -n "$repo" | sha1sum | cut -c1-12)"
  fi
}
root="$(data_root)"
rmq_dir="$root/rabbitmq"
pg_dir="$root/postgres"
# The Erlang cookie and the PostgreSQL socket live at fixed places, so that a second checkout on
# the same machine (a fresh clone running .ci/run) finds and reuses servers already running.
erlang_home="${TTHC_ERLANG_HOME:-/var/tmp/tthc-erlang}"
signing_dir="$erlang_home/dev-signing"
tls_dir="$erlang_home/tls"  # development CA and the broker's (and mail server's) certificate
if [ -d /var/run/postgresql ]; then pg_socket_dir=/var/run/postgresql; else pg_socket_dir="$pg_dir"; fi

log() { printf '[servers] %s\n' "$*" >&2; }
# The mail server has its own script (the tests run it too, to stop and restart the server); its
# STARTTLS certificate is the one in $tls_dir (make_tls_files), hence TTHC_ERLANG_HOME.
mailserver() { TTHC_ERLANG_HOME="$erlang_home" bash "$repo/Deploy/local/mailserver.sh" "$@"; }

install_packages() {
  # First: Postfix must be installed unconfigured (debconf answer) before anything could pull it in.
  mailserver install
  local missing=()
  dpkg -s rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
  dpkg -s librabbitmq-dev >/dev/null 2>&1 || missing+=(librabbitmq-dev)
  dpkg -s libpq-dev >/dev/null 2>&1 || missing+=(libpq-dev)
  dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
  dpkg -s postgresql-15 >/dev/null 2>&1 || missing+=(postgresql-15)
  dpkg -s amqp-tools >/dev/null 2>&1 || missing+=(amqp-tools)
  dpkg -s pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  dpkg -s openssl >/dev/null 2>&1 || missing+=(openssl)
  dpkg -s curl >/dev/null 2>&1 || missing+=(curl)
  # Notification's e-mail goes through libcurl's SMTP.
  dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || missing+=(libcurl4-openssl-dev)
  # Paper copies of results: QR codes (libqrencode), PDF (cairo) in DejaVu; their tests read them
  # back with poppler-utils and zbar-tools, and open the verification page in headless chromium.
  for p in libqrencode-dev libcairo2-dev fonts-dejavu-core poppler-utils zbar-tools chromium; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  # promtool checks and unit-tests the alert rules (Deploy/prometheus).
  dpkg -s prometheus >/dev/null 2>&1 || missing+=(prometheus)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # The packaged services must not start on install: we run our own instances.
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

rmq_env() {
  mkdir -p "$erlang_home"
  export HOME="$erlang_home" RABBITMQ_MNESIA_BASE="$rmq_dir/mnesia" RABBITMQ_LOG_BASE="$rmq_dir/log" \
    RABBITMQ_NODENAME="tthc@localhost" RABBITMQ_NODE_PORT="$amqp_port" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_CONFIG_FILE="$rmq_dir/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$rmq_dir/enabled_plugins" \
    RABBITMQ_PID_FILE="$rmq_dir/pid" RABBITMQ_DIST_PORT=$((amqp_port + 20000))
}
rmqctl() { (rmq_env; "$rmq_bin/rabbitmqctl" "$@"); }

rmq_ready() { rmqctl -q status >/dev/null 2>&1; }

# A development CA and a server certificate for 127.0.0.1/localhost, so amqps:// is exercised too.
make_tls_files() {
  local dir="$tls_dir"
  [ -f "$dir/server.pem" ] && return 0
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=TTHC development CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 3650 \
    -extfile "$dir/ext.cnf" -out "$dir/server.pem" >/dev/null 2>&1
  chmod 644 "$dir"/*.pem "$dir"/*.key
}

# Development signing material: a CA that validation trusts (TTHC_SIGNATURE_TRUST_ANCHORS) and a
# key that tthc-admin, the benchmark and the tests bind to members' certificates to sign sample
# components; a key for the encrypted amendment history; the officers' token secret. Never production.
# The signing CA is the committed sandbox one (Deploy/local/dev-signing, public, trusted only by
# development and test runs): the examples in Shared/Contracts/Examples carry signatures made with
# it, so they are accepted as they are on every developer's machine.
make_dev_secrets() {
  local dir="$signing_dir"
  mkdir -p "$dir"
  for f in signing-ca.pem signing-ca.key signer.key; do
    cmp -s "$repo/Deploy/local/dev-signing/$f" "$dir/$f" || cp "$repo/Deploy/local/dev-signing/$f" "$dir/$f"
  done
  # The development organisations' signing key for archive's results (P-256: see Benchmarks/result-signing.sh).
  [ -f "$dir/organisation-signer.key" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$dir/organisation-signer.key" 2>/dev/null
  [ -f "$dir/history.key" ] || openssl rand -base64 32 > "$dir/history.key"
  [ -f "$dir/officer-token.secret" ] || openssl rand -hex 32 > "$dir/officer-token.secret"
  # Documents at rest (archive): the master key wrapping each document's data key; intake's upload tickets.
  [ -f "$dir/document.key" ] || openssl rand -base64 32 > "$dir/document.key"
  [ -f "$dir/upload-ticket.secret" ] || openssl rand -hex 32 > "$dir/upload-ticket.secret"
  # The payment platform's merchant hash secret (vnp_HashSecret), shared with the gateway sandbox.
  [ -f "$dir/vnpay-hash.secret" ] || openssl rand -hex 16 | tr a-f A-F > "$dir/vnpay-hash.secret"
  chmod 644 "$dir"/*
}

start_rabbitmq() {
  mkdir -p "$rmq_dir/log"
  if rmq_ready; then log "RabbitMQ already running on $amqp_port"; else
    echo "[]." > "$rmq_dir/enabled_plugins"
    make_tls_files
    cat > "$rmq_dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$amqp_port
listeners.ssl.default = 127.0.0.1:$amqps_port
ssl_options.cacertfile = $tls_dir/ca.pem
ssl_options.certfile = $tls_dir/server.pem
ssl_options.keyfile = $tls_dir/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
loopback_users = none
heartbeat = 30
EOF
    (rmq_env; "$rmq_bin/rabbitmq-server" -detached)
    wait_for "RabbitMQ" rmq_ready 60
  fi
  # tthc.dead-letter became a topic exchange (topic permissions: each service its own key); an
  # exchange cannot change type, so a broker set up before is migrated by deleting the old one.
  if rmqctl -q list_exchanges -p tthc name type 2>/dev/null | grep -qE '^tthc\.dead-letter[[:space:]]+direct$'; then
    rmqctl -q eval 'rabbit_exchange:delete(rabbit_misc:r(<<"tthc">>, exchange, <<"tthc.dead-letter">>), false, <<"servers.sh">>).' >/dev/null
    log "tthc.dead-letter was a direct exchange: deleted, re-created as topic by the definitions"
  fi
  rmqctl -q import_definitions "$repo/Deploy/rabbitmq/definitions.json" >/dev/null
  log "RabbitMQ ready: amqp://127.0.0.1:$amqp_port/tthc"
}

pg_ready() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; }
psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "$pg_socket_dir" -p "$pg_port" "$@"; }

start_postgres() {
  # A server started before it had TLS (an older servers.sh) is restarted with it.
  if pg_ready && [ "$(psql_admin -d postgres -Atc 'SHOW ssl' 2>/dev/null)" = off ]; then
    log "PostgreSQL on $pg_port runs without TLS: restarting it"
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null
  fi
  if pg_ready; then log "PostgreSQL already running on $pg_port"; else
    mkdir -p "$pg_dir"
    chown postgres:postgres "$pg_dir"
    if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
      log "initdb in $pg_dir/data"
      runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # TLS with the development CA's certificate (localhost, 127.0.0.1): clients may ask for
    # sslmode=verify-full with sslrootcert=$tls_dir/ca.pem. The key is the server's own copy (0600).
    make_tls_files
    install -o postgres -g postgres -m 600 "$tls_dir/server.key" "$pg_dir/server.key"
    install -o postgres -g postgres -m 644 "$tls_dir/server.pem" "$pg_dir/server.pem"
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_socket_dir -c max_connections=300 -c shared_buffers=256MB -c shared_preload_libraries=pg_stat_statements -c ssl=on -c ssl_cert_file=$pg_dir/server.pem -c ssl_key_file=$pg_dir/server.key" start >/dev/null
    wait_for "PostgreSQL" pg_ready 60
  fi
  psql_admin -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'tthc'" | grep -q 1 \
    || psql_admin -d postgres -c "CREATE DATABASE tthc"
  # Read by this (root) shell: the postgres user may not reach a private checkout.
  psql_admin -d tthc -f - < "$repo/Deploy/postgres/roles.sql"
  # Which statements cost the time (tthc-bench prints the top ones); absent when the server was
  # started without the library preloaded.
  psql_admin -d tthc -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" 2>/dev/null || true
  log "PostgreSQL ready: postgres://127.0.0.1:$pg_port/tthc"
}

wait_for() {
  local name="$1" check="$2" limit="$3" i
  for ((i = 0; i < limit * 5; i++)); do
    if "$check"; then return 0; fi
    sleep 0.2
  done
  log "$name did not become ready within ${limit}s"; return 1
}

stop_all() {
  mailserver stop
  if [ -f "$root/postgres-2/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$root/postgres-2/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  TTHC_ERLANG_HOME="$erlang_home" bash "$repo/Deploy/local/cluster.sh" stop 2>/dev/null || true
  if rmq_ready; then rmqctl -q stop >/dev/null 2>&1 || true; log "RabbitMQ stopped"; fi
  if [ -f "$pg_dir/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    log "PostgreSQL stopped"
  fi
}

# The environment that points the services, the tests and tthc-admin at these servers.
print_env() {
  cat <<EOF
# The development world: brokers' and databases' passwords are the users' names (accepted only so).
export TTHC_DEVELOPMENT=1
export TTHC_LOCAL_DIR='$root'
export TTHC_AMQP_HOST=127.0.0.1 TTHC_AMQP_PORT=$amqp_port TTHC_PG_HOST=127.0.0.1 TTHC_PG_PORT=$pg_port
export TTHC_PG_SOCKET_DIR='$pg_socket_dir'
# The CA of the broker's and PostgreSQL's certificates (AMQPS, sslmode=verify-full).
export TTHC_AMQPS_PORT=$amqps_port TTHC_TLS_CA_FOR_TESTS='$tls_dir/ca.pem'
export TTHC_RABBITMQCTL='$repo/Deploy/local/servers.sh rabbitmqctl'
export TTHC_SIGNATURE_TRUST_ANCHORS='$signing_dir/signing-ca.pem' TTHC_DEV_SIGNING_DIRECTORY='$signing_dir'
export TTHC_ORGANISATION_KEYS_DIRECTORY='$signing_dir/organisation-keys'
export TTHC_HISTORY_KEYS='dev-1:$(cat "$signing_dir/history.key")' TTHC_HISTORY_KEY_ID=dev-1
export TTHC_OFFICER_TOKEN_SECRET='$(cat "$signing_dir/officer-token.secret")'
export TTHC_DOCUMENT_KEYS='dev-1:$(cat "$signing_dir/document.key")' TTHC_DOCUMENT_KEY_ID=dev-1
export TTHC_UPLOAD_TICKET_SECRET='$(cat "$signing_dir/upload-ticket.secret")'
export TTHC_VNPAY_TMN_CODE=TTHCDEV1 TTHC_VNPAY_HASH_SECRET='$(cat "$signing_dir/vnpay-hash.secret")'
export TTHC_VNPAY_PAYMENT_URL=http://127.0.0.1:8089/paymentv2/vpcpay.html
EOF
  mailserver env
}

case "${1:-status}" in
  install) install_packages ;;
  start) install_packages; make_dev_secrets; start_rabbitmq; start_postgres; make_tls_files; mailserver start ;;
  stop) stop_all ;;
  status) rmq_ready && log "RabbitMQ up" || log "RabbitMQ down"; pg_ready && log "PostgreSQL up" || log "PostgreSQL down"
    mailserver status || true ;;
  env) make_dev_secrets; print_env ;;
  rabbitmqctl) shift; rmqctl "$@" ;;
  # A second PostgreSQL server (port ${TTHC_PG2_PORT:-5433}) for a database server per service:
  # the same roles and schemas, its own data. `second-postgres env` prints its port.
  second-postgres) pg_port="${TTHC_PG2_PORT:-5433}" pg_dir="$root/postgres-2"
    case "${2:-start}" in
      start) start_postgres ;;
      stop) [ -f "$pg_dir/data/postmaster.pid" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null; log "second PostgreSQL stopped" ;;
      env) echo "export TTHC_PG2_PORT=$pg_port" ;;
    esac ;;
  # The three-node cluster beside the single broker (Deploy/local/cluster.sh).
  cluster) shift; TTHC_ERLANG_HOME="$erlang_home" bash "$repo/Deploy/local/cluster.sh" "$@" ;;
  psql) shift; psql_admin "$@" ;;
  *) echo "usage: $0 install|start|stop|status|env|rabbitmqctl ARGS|psql ARGS|cluster start|stop|kill N|restart N" >&2; exit 2 ;;
esac
