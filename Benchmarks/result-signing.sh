#!/usr/bin/env bash
# Result signing (issue 16): RSA-2048 vs P-256 organisation keys, signed and verified per second on
# one core, with the signer archive uses (detached CMS over the result's bytes).
#   bash Benchmarks/result-signing.sh [count]     (after swift build -c release)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-2000}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=bench CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
mkdir "$dir/keys"
for kind in RSA2048 P256; do
  if [ "$kind" = RSA2048 ]; then openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/keys/$kind.key.pem" 2>/dev/null
  else openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/keys/$kind.key.pem" 2>/dev/null; fi
  openssl req -new -key "$dir/keys/$kind.key.pem" -subj "/CN=bench $kind/serialNumber=TCD:$kind" -out "$dir/$kind.csr" 2>/dev/null
  printf 'keyUsage=critical,digitalSignature,nonRepudiation\n' > "$dir/ext"
  openssl x509 -req -in "$dir/$kind.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 -extfile "$dir/ext" \
    -out "$dir/keys/$kind.cert.pem" 2>/dev/null
done
bin="$(cd "$repo" && swift build -c "${TTHC_BUILD:-release}" --show-bin-path)"
"$bin/tthc-bench" --signing-keys "$dir/keys" --count "$count" --trust-anchors "$dir/ca.pem"
