#!/usr/bin/env python3
"""Writes Deploy/rabbitmq/definitions.json: vhost, users, permissions and policies of TTHC.

Development passwords equal the user name; production loads its own definitions (or changes
passwords with `rabbitmqctl change_password`). Run again after editing this file.
Permissions follow ARCHITECTURE §2: a service configures, binds and consumes only its own queues
(`<service>.*`), publishes events to `tthc.events` and dead letters to `tthc.dead-letter`;
only intake reads `tthc.intake`; integrators may only publish to `tthc.intake` and use
server-named reply queues.
"""
import base64, hashlib, json, os

SERVICES = ["intake", "validation", "routing", "payment", "notification", "archive"]
INTEGRATORS = ["portal-demo", "portal-test", "portal-pending"]
SERVICE_QUEUES = "(intake|validation|routing|payment|notification|archive)"

def password_hash(password: str) -> str:
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()

def user(name, tags=""):
    return {"name": name, "password_hash": password_hash(name),
            "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": tags, "limits": {}}

users, permissions = [], []
for s in SERVICES:
    u = f"tthc-{s}"
    users.append(user(u))
    own = rf"{s}\..*"
    configure = [own, r"tthc\.events", r"tthc\.dead-letter"]
    write = [own, r"tthc\.events", r"tthc\.dead-letter"]
    read = [own, r"tthc\.events", r"tthc\.dead-letter"]
    if s == "intake":
        # Intake declares and reads the command exchange and answers integrators' reply queues.
        configure.append(r"tthc\.intake")
        read.append(r"tthc\.intake")
        write.append(r"amq\.default")
    if s == "routing":
        configure.append(r"tthc\.intake")
        # Routing binds its decisions queue to the command exchange (organisations' software
        # decides steps there) and answers their reply queues.
        read.append(r"tthc\.intake")
        write.append(r"amq\.default")
    permissions.append({"user": u, "vhost": "tthc",
                        "configure": "^(" + "|".join(configure) + ")$",
                        "write": "^(" + "|".join(write) + ")$",
                        "read": "^(" + "|".join(read) + ")$"})
for i in INTEGRATORS:
    users.append(user(i))
    permissions.append({"user": i, "vhost": "tthc", "configure": r"^amq\.gen-.*$",
                        "write": r"^tthc\.intake$", "read": r"^amq\.gen-.*$"})
# The party member registry (Cơ sở dữ liệu đảng viên) publishes member.registered/updated events,
# and only those (topic permission on tthc.events).
users.append(user("member-registry"))
permissions.append({"user": "member-registry", "vhost": "tthc", "configure": r"^amq\.gen-.*$",
                    "write": r"^tthc\.events$", "read": r"^amq\.gen-.*$"})
topic_permissions = [{"user": "member-registry", "vhost": "tthc", "exchange": "tthc.events",
                      "write": r"^member\..*$", "read": ".*"}]
# The organisation registry publishes organisation.registered/updated events, and only those.
users.append(user("organisation-registry"))
permissions.append({"user": "organisation-registry", "vhost": "tthc", "configure": r"^amq\.gen-.*$",
                    "write": r"^tthc\.events$", "read": r"^amq\.gen-.*$"})
topic_permissions.append({"user": "organisation-registry", "vhost": "tthc", "exchange": "tthc.events",
                          "write": r"^organisation\..*$", "read": ".*"})
# Organisations' own software decides their steps (dossier.step-decided.v1 on tthc.intake) and
# may follow the events of their steps; which organisations a user acts for is in the registry.
for u in ["org-software-demo", "org-software-test"]:
    users.append(user(u))
    # Their own durable queues are named `org-software.<user>.*`.
    own = rf"org-software\.{u}\..*"
    permissions.append({"user": u, "vhost": "tthc", "configure": rf"^(amq\.gen-.*|{own})$",
                        "write": rf"^(tthc\.intake|amq\.gen-.*|{own})$", "read": rf"^(tthc\.events|amq\.gen-.*|{own})$"})
    topic_permissions.append({"user": u, "vhost": "tthc", "exchange": "tthc.intake",
                              "write": r"^dossier\.step-decided\..*$", "read": ".*"})
users.append(user("tthc-admin", "administrator"))
permissions.append({"user": "tthc-admin", "vhost": "tthc", "configure": ".*", "write": ".*", "read": ".*"})

definitions = {
    "rabbit_version": "3.10.8",
    "vhosts": [{"name": "tthc"}],
    "users": users,
    "permissions": permissions,
    "topic_permissions": topic_permissions,
    "policies": [{
        # Queues are declared from code with the same arguments; the policy is the operator's
        # lever (e.g. raise the delivery limit) for queues declared by any tool.
        "vhost": "tthc", "name": "tthc-service-queues", "priority": 0, "apply-to": "queues",
        "pattern": rf"^{SERVICE_QUEUES}\.[a-z-]+$",
        "definition": {"delivery-limit": 20, "dead-letter-exchange": "tthc.dead-letter",
                       "dead-letter-strategy": "at-least-once", "overflow": "reject-publish"},
    }],
    "exchanges": [
        {"name": "tthc.events", "vhost": "tthc", "type": "topic", "durable": True, "auto_delete": False,
         "internal": False, "arguments": {}},
        {"name": "tthc.intake", "vhost": "tthc", "type": "topic", "durable": True, "auto_delete": False,
         "internal": False, "arguments": {}},
        {"name": "tthc.dead-letter", "vhost": "tthc", "type": "direct", "durable": True, "auto_delete": False,
         "internal": False, "arguments": {}},
    ],
    "queues": [], "bindings": [], "parameters": [], "global_parameters": [],
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "definitions.json")
with open(path, "w") as f:
    json.dump(definitions, f, indent=2)
    f.write("\n")
print(path)
