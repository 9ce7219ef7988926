#!/usr/bin/env bash
# Sets up and runs the whole system locally without Docker: installs missing Debian packages,
# starts RabbitMQ and PostgreSQL as local processes, builds, starts the six services.
#   Deploy/local/run.sh            (TTHC_BUILD=release for an optimised build)
# Stop with Deploy/local/stop.sh (services) or Deploy/local/stop.sh all (servers too).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
bash Deploy/local/servers.sh start
eval "$(bash Deploy/local/servers.sh env)"
build="${TTHC_BUILD:-debug}"
swift build -c "$build"
bin="$(swift build -c "$build" --show-bin-path)"
run_dir="$TTHC_LOCAL_DIR/run"
log_dir="$TTHC_LOCAL_DIR/logs"
mkdir -p "$run_dir" "$log_dir"
bash Deploy/local/stop.sh services
declare -A ports=([intake]=8081 [validation]=8082 [routing]=8083 [payment]=8084 [notification]=8085 [archive]=8086)
# Notices by SMS go to the sandbox's brandname SMS gateway (its secret made once, development only);
# by e-mail to the local Postfix (servers.sh env: TTHC_SMTP_*), delivered into $TTHC_MAILDIR_ROOT.
[ -f "$TTHC_LOCAL_DIR/sms-gateway.secret" ] || openssl rand -hex 16 >"$TTHC_LOCAL_DIR/sms-gateway.secret"
export TTHC_SMS_PARTNER_ID=TTHC TTHC_SMS_SECRET="$(cat "$TTHC_LOCAL_DIR/sms-gateway.secret")"
export TTHC_SMS_GATEWAY_URL=http://127.0.0.1:8089
export TTHC_SMS_CALLBACK_URL=http://127.0.0.1:8085/v1/sms-gateways/brandname/delivery-reports
# The payment platform's and the SMS gateway's sandbox (test tooling; VNPay 2.1.0, brandname SMS),
# calling payment's IPN URL and notification's delivery-report URL.
TTHC_SANDBOX_PORT=8089 TTHC_SANDBOX_IPN_URL="http://127.0.0.1:8084/v1/payment-gateways/vnpay/ipn" TTHC_SANDBOX_IPN_RETRY_SECONDS=30 \
  nohup "$bin/tthc-gateway-sandbox" >>"$log_dir/gateway-sandbox.log" 2>&1 &
echo $! >"$run_dir/gateway-sandbox.pid"
for service in intake validation routing payment notification archive; do
  TTHC_HTTP_PORT="${ports[$service]}" nohup "$bin/tthc-$service" >>"$log_dir/$service.log" 2>&1 &
  echo $! >"$run_dir/$service.pid"
done
for service in intake validation routing payment notification archive; do
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:${ports[$service]}/health/ready" >/dev/null && break
    kill -0 "$(cat "$run_dir/$service.pid")" 2>/dev/null || { echo "tthc-$service exited; see $log_dir/$service.log" >&2; tail -5 "$log_dir/$service.log" >&2; exit 1; }
    sleep 0.2
  done
done
# Validation checks dossiers against its replica of the member registry: seed it with the
# generated registry (10,000 members of Hà Nội and TP HCM; idempotent, re-running changes nothing).
"$bin/tthc-admin" members load-fixture --count 10000
# Routing plans routes through its replica of the organisation registry: seed it with the
# generated tree of the same two provinces (steps decided by officers over HTTP or by the
# organisations' software user org-software-demo over AMQP).
"$bin/tthc-admin" organisations load-fixture

cat <<EOF2

TTHC is running.
  Health:   $(for s in intake validation routing payment notification archive; do printf 'http://127.0.0.1:%s/health/ready ' "${ports[$s]}"; done)
  Metrics:  http://127.0.0.1:8081/metrics (each service on its port)
  Logs:     $log_dir/<service>.log (JSON lines)
  RabbitMQ: amqp://127.0.0.1:${TTHC_AMQP_PORT}/tthc   PostgreSQL: postgres://127.0.0.1:${TTHC_PG_PORT}/tthc

In one shell, the organisations' own software, approving each step assigned to them (start it
first: a step assigned before it listens is left to officers; Ctrl-C to stop):
  $bin/tthc-admin organisations simulate
In another, a sample dossier (procedure 1, official transfer, by a member of the generated registry,
signed with the development signing CA) as the integrator portal-demo:
  $bin/tthc-admin submit-sample --count 1
Then see it archived:
  Deploy/local/servers.sh psql -d tthc -c "SELECT result_code, dossier_code FROM archive.results ORDER BY issued_at DESC LIMIT 5"
As an integrator (docs/integrators.md): a member's test certificate, then the Python example,
which follows its dossier on the integrator's feed to the result:
  $bin/tthc-admin certificates issue --member DV0000001 --out dev-certificates
  python3 docs/examples/submit_dossier.py
Notices: by e-mail in the Maildirs under $TTHC_MAILDIR_ROOT (<domain>/<local part>/new), by SMS
at http://127.0.0.1:8089/sandbox/sms/messages; preview a template with
  $bin/tthc-admin notices preview dossier.received.v1
Party dues (DANGPHI): the member opens payment.due.v1's checkoutUrl, which leads to the payment
sandbox at http://127.0.0.1:8089 (pay or cancel there); see docs/payment.md.
An officer's token:  $bin/tthc-admin tokens officer --org HN.CB0001 --role officer
Dead letters:  $bin/tthc-admin dead-letters list --service intake
Stop:          Deploy/local/stop.sh        (add 'all' to stop RabbitMQ and PostgreSQL too)
EOF2
