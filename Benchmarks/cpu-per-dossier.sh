#!/usr/bin/env bash
# CPU time of every process of the running system (RabbitMQ, PostgreSQL, Postfix, the tthc-* services) per
# dossier, around one benchmark run; the bench client itself is not counted.
#   Benchmarks/cpu-per-dossier.sh [tthc-bench arguments, e.g. --count 6000]
# Prints ms of CPU per dossier by process group and in all. Exited PostgreSQL backends are counted
# through the postmaster's children times.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="${TTHC_BENCH:-$repo/.build/release/tthc-bench}"
count=6000
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--count" ] && count="${args[$((i + 1))]}"; done
snapshot() {
  for stat in /proc/[0-9]*/stat; do
    read -r line < "$stat" 2>/dev/null || continue
    comm="${line#*(}"; comm="${comm%%)*}"
    case "$comm" in
      tthc-bench) continue ;;
      beam.smp) group=rabbitmq ;;
      postgres) group=postgresql ;;
      tthc-*) group="${comm#tthc-}" ;;
      # The local mail server (notices by e-mail; Deploy/local/mailserver.sh).
      master|smtpd|cleanup|qmgr|virtual|trivial-rewrite|tlsmgr|anvil|proxymap|postlog|pickup|bounce|scache) group=postfix ;;
      *) continue ;;
    esac
    # Fields after "(comm) ": state is 1st, utime 12th, stime 13th, cutime 14th, cstime 15th.
    read -r -a f <<< "${line##*) }"
    echo "$group $((f[11] + f[12] + f[13] + f[14]))"
  done | awk '{t[$1] += $2} END {for (g in t) print g, t[g]}' | sort
}
before="$(snapshot)"
"$bench" "$@"
after="$(snapshot)"
ticks="$(getconf CLK_TCK)"
echo "CPU per dossier ($count dossiers), ms:"
join -a 2 -e 0 -o 0,1.2,2.2 <(echo "$before") <(echo "$after") |
  awk -v n="$count" -v hz="$ticks" '{ms = ($3 - $2) * 1000 / hz / n; all += ms; printf "  %-14s %6.2f\n", $1, ms} END {printf "  %-14s %6.2f\n", "all", all}'
