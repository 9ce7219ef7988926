#!/usr/bin/env python3
"""Renders the Kubernetes manifests (kubectl kustomize) and validates them offline, strictly:
built-in kinds against Kubernetes' own schemas (kubernetes-validate --strict), KEDA, RabbitMQ
Cluster Operator and CloudNativePG resources against their CRDs' schemas (crd-schemas/, unknown
fields refused), then TTHC's own rules: every service has probes, a grace period longer than its
drain, a PodDisruptionBudget and a ScaledObject targeting it, and no secret in an environment variable.

    python3 Deploy/k8s/validate.py                 # base and every overlay
    python3 Deploy/k8s/validate.py --rendered F    # one rendered file (tests plant mistakes)
Exit 1 naming every problem."""
import json, pathlib, subprocess, sys, tempfile

import jsonschema
import yaml

HERE = pathlib.Path(__file__).resolve().parent
KUBERNETES_VERSION = "1.30.0"


def strict(schema):
    """Refuses unknown fields wherever the CRD lists its fields (the API server would prune them)."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema \
                and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def crd_schemas():
    found = {}
    for path in (HERE / "crd-schemas").glob("*.json"):
        entry = json.loads(path.read_text())
        found[(entry["apiVersion"], entry["kind"])] = strict(entry["schema"])
    return found


def render(directory):
    return subprocess.run(["kubectl", "kustomize", str(directory)], check=True, capture_output=True, text=True).stdout


def problems_in(text, label):
    problems = []
    documents = [d for d in yaml.safe_load_all(text) if d]
    custom = crd_schemas()
    builtin = []
    for doc in documents:
        key = (doc.get("apiVersion"), doc.get("kind"))
        name = f"{label}: {key[1]}/{doc.get('metadata', {}).get('name')}"
        if key in custom:
            validator = jsonschema.Draft7Validator(custom[key])
            for error in validator.iter_errors(doc):
                problems.append(f"{name}: {'.'.join(map(str, error.path))}: {error.message}")
        else:
            builtin.append(doc)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump_all(builtin, f)
    checked = subprocess.run(["kubernetes-validate", "--strict", "--quiet", "-k", KUBERNETES_VERSION, f.name],
                             capture_output=True, text=True)
    pathlib.Path(f.name).unlink()
    if checked.returncode != 0:
        problems += [f"{label}: {line}" for line in (checked.stdout + checked.stderr).splitlines() if line.strip()]
    problems += service_rules(documents, label)
    return problems


def holds_secret(name, value):
    """A secret written into a Deployment instead of a Secret: a password, a key, a URL with credentials."""
    if name.endswith("_FILE") or not value:
        return False
    if name.endswith("_URL"):
        return "@" in value
    return "SECRET" in name or "PASSWORD" in name or name.endswith("_KEYS")


def service_rules(documents, label):
    problems = []
    by_kind = {}
    for doc in documents:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    deployments = by_kind.get("Deployment", {})
    if len(deployments) != 6:
        problems.append(f"{label}: expected the six services' Deployments, found {sorted(deployments)}")
    for name, deployment in deployments.items():
        spec = deployment["spec"]["template"]["spec"]
        container = spec["containers"][0]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in container:
                problems.append(f"{label}: {name} has no {probe}")
        drain = int(env.get("TTHC_SHUTDOWN_DRAIN_SECONDS", "20"))
        if spec.get("terminationGracePeriodSeconds", 30) <= drain + 5:
            problems.append(f"{label}: {name}'s grace period does not outlast its drain of {drain} s")
        if not any(p["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
                   for p in by_kind.get("PodDisruptionBudget", {}).values()):
            problems.append(f"{label}: {name} has no PodDisruptionBudget")
        scaled = [s for s in by_kind.get("ScaledObject", {}).values() if s["spec"]["scaleTargetRef"]["name"] == name]
        if len(scaled) != 1:
            problems.append(f"{label}: {name} needs exactly one ScaledObject")
        if any(holds_secret(k, v) for k, v in env.items()):
            problems.append(f"{label}: {name} has a secret in its environment: use <VARIABLE>_FILE and a Secret")
    return problems


def main(arguments):
    if arguments[:1] == ["--rendered"]:
        targets = [(path, pathlib.Path(path).read_text()) for path in arguments[1:]]
    else:
        targets = [(str(d.relative_to(HERE)), render(d)) for d in [HERE / "base"] + sorted((HERE / "overlays").iterdir())]
    problems = []
    for label, text in targets:
        problems += problems_in(text, label)
    for problem in problems:
        print(problem)
    print(f"{len(targets)} rendering(s): " + ("valid" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
