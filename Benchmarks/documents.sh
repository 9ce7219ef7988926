#!/usr/bin/env bash
# Documents (issue 17): upload and download throughput through archive's HTTP edge (sealed 256 KiB
# chunks in PostgreSQL), and archive's peak memory while ten 10 MB uploads run in parallel.
#   TTHC_BUILD=release bash Deploy/local/run.sh; bash Benchmarks/documents.sh; bash Deploy/local/stop.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
intake="${TTHC_INTAKE_URL:-http://127.0.0.1:8081}"
bin="$(cd "$repo" && swift build -c "${TTHC_BUILD:-release}" --show-bin-path)"
pid="$(cat "${TTHC_LOCAL_DIR:?source Deploy/local/servers.sh env first}/run/archive.pid")"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
size=10000000
{ printf '%%PDF-1.7\n'; head -c $((size - 9)) /dev/urandom; } > "$dir/scan.pdf"
ticket() {
  curl -sS -X POST "$intake/v1/documents/upload-tickets" -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer portal-demo-token' \
    --data '{"procedureCode": "CSHD.CHINHTHUC", "componentCode": "BTKD", "memberId": "DV0000001"}' > "$dir/ticket-$1.json"
}
field() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
upload() {
  curl -sS -o "$dir/answer-$1.json" -w '%{http_code}\n' -X PUT "$(field "$dir/ticket-$1.json" uploadURL)" \
    -H "Authorization: Bearer $(field "$dir/ticket-$1.json" ticket)" -H 'Content-Type: application/pdf' -H 'Expect:' \
    --data-binary @"$dir/scan.pdf"
}
mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1048576 / float(sys.argv[2]):.1f}')" "$1" "$2"; }

# One upload, then the same document downloaded, each timed alone.
ticket 0
start=$(date +%s.%N); upload 0 >/dev/null; end=$(date +%s.%N)
echo "upload, one at a time:   $(mib $size "$(echo "$end - $start" | bc)") MiB/s"
auditor="$("$bin/tthc-admin" tokens officer --org HN.CB0001 --role auditor)"
start=$(date +%s.%N)
curl -sS -o "$dir/back.pdf" -H "Authorization: Bearer $auditor" "$(field "$dir/ticket-0.json" uploadURL)"
end=$(date +%s.%N)
cmp -s "$dir/scan.pdf" "$dir/back.pdf" || { echo "the download differs from the upload" >&2; exit 1; }
echo "download, one at a time: $(mib $size "$(echo "$end - $start" | bc)") MiB/s"

# Ten at once: aggregate throughput and archive's peak resident memory (VmHWM) during them.
for i in $(seq 1 10); do ticket "$i"; done
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
start=$(date +%s.%N)
for i in $(seq 1 10); do upload "$i" > "$dir/status-$i" & done
peak=0
while [ "$(jobs -r | wc -l)" -gt 0 ]; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status"); [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.05
done
wait
end=$(date +%s.%N)
grep -qv 201 "$dir"/status-* && { echo "an upload failed: $(cat "$dir"/status-*)" >&2; exit 1; }
echo "upload, ten in parallel: $(mib $((size * 10)) "$(echo "$end - $start" | bc)") MiB/s in all"
echo "archive resident memory: $((rss_before / 1024)) MiB before, $((peak / 1024)) MiB at most during the ten uploads"
