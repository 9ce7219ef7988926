#!/usr/bin/env bash
# Validates every JSON Schema against the draft 2020-12 metaschema and every example message
# against its schema, with an independent validator (check-jsonschema from PyPI).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Independent tools from PyPI: check-jsonschema, openapi-spec-validator, schemathesis; pika and cloudevents for the
# integrator guide's examples.
python3 -m pip install -q --disable-pip-version-check check-jsonschema openapi-spec-validator pika cloudevents schemathesis 2>&1 | grep -v WARNING || true
cd "$repo/Shared/Contracts"
check-jsonschema --check-metaschema Schemas/*.schema.json
status=0
for example in Examples/*.json; do
  name="$(basename "$example" .json)"
  if [ ! -f "Schemas/$name.schema.json" ]; then echo "no schema for $example" >&2; status=1; continue; fi
  check-jsonschema --schemafile "Schemas/$name.schema.json" "$example" || status=1
done
for document in "$repo"/Services/*/HTTP/openapi.yaml; do openapi-spec-validator "$document" || status=1; done
exit $status
