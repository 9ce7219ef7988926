import Contracts
import Foundation
import Messaging
import Signatures

/// The broker's definitions (vhost, exchanges, users, permissions, topic permissions, policies),
/// generated from `MessageDirectory` so that each user can do exactly what its declarations need
/// (ARCHITECTURE §2): a service configures only its own queues, writes only its own routing keys on
/// `tthc.events` and `tthc.dead-letter`, and never configures a shared exchange; an integrator
/// publishes only its commands and reads only its own reply queues and feed; an organisation's software
/// decides steps and reads only its own copies on `tthc.organisations`. Written to
/// `Deploy/rabbitmq/definitions.json` by `tthc-admin broker-definitions` (a test checks it is current).
/// Development passwords equal the user names; production loads its own.
public enum BrokerDefinitions {
    public static let vhost = "tthc"
    public static let developmentIntegrators = ["portal-demo", "portal-test", "portal-pending"]
    public static let developmentOrganisationSoftware = ["org-software-demo", "org-software-test"]
    /// The operator: replays dead letters as their original sender (`impersonator`).
    public static let operatorUser = "tthc-admin"

    public static func json() throws -> String {
        let data = try JSONSerialization.data(withJSONObject: definitions(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: ".", with: "\\.")
    }

    /// `^(a|b)$` over escaped names, or a pattern that matches nothing.
    static func exactly(_ names: [String]) -> String {
        names.isEmpty ? "^$" : "^(" + names.map(escape).joined(separator: "|") + ")$"
    }

    /// `<any user>.<one of the types>`: the routing keys of copies sent to other users' prefixes.
    static func anyUserPrefix(_ types: [MessageType]) -> String {
        "^[a-z0-9-]+\\." + exactly(types.map(\.routingKey)).dropFirst()
    }

    static func anyOf(_ patterns: [String]) -> String {
        patterns.isEmpty ? "^$" : "^(" + patterns.joined(separator: "|") + ")$"
    }

    public static func definitions() -> [String: Any] {
        var users: [[String: Any]] = []
        var permissions: [[String: Any]] = []
        var topics: [[String: Any]] = []
        func user(_ name: String, tags: String = "") {
            users.append(["name": name, "password_hash": passwordHash(name, password: name),
                          "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": tags, "limits": [String: Any]()])
        }
        func permit(_ name: String, configure: String, write: String, read: String) {
            permissions.append(["user": name, "vhost": vhost, "configure": configure, "write": write, "read": read])
        }
        func topic(_ name: String, _ exchange: String, write: String, read: String) {
            topics.append(["user": name, "vhost": vhost, "exchange": exchange, "write": write, "read": read])
        }
        for service in MessageDirectory.services {
            let u = service.amqpUser
            let own = escape(service.name) + "\\..*"
            let answers = !service.answers.isEmpty
            let sendsSoftware = !service.toOrganisationSoftware.isEmpty
            let tellsIntegrators = !service.toIntegrators.isEmpty
            let commands = service.commands.map(\.routingKey)
            user(u)
            permit(u, configure: anyOf([own]),
                   write: anyOf([own, escape(Exchange.events), escape(Exchange.deadLetter)]
                                + (answers ? ["amq\\.default"] : []) + (sendsSoftware ? [escape(Exchange.organisations)] : [])
                                + (tellsIntegrators ? [escape(Exchange.integrators)] : [])),
                   read: anyOf([own, escape(Exchange.events), escape(Exchange.deadLetter)] + (commands.isEmpty ? [] : [escape(Exchange.intake)])))
            topic(u, Exchange.events, write: exactly(service.emits.map(\.routingKey)), read: ".*")
            topic(u, Exchange.deadLetter, write: exactly([service.name]), read: exactly([service.name]))
            if !commands.isEmpty { topic(u, Exchange.intake, write: "^$", read: exactly(commands)) }
            if sendsSoftware {
                topic(u, Exchange.organisations, write: anyUserPrefix(service.toOrganisationSoftware), read: "^$")
            }
            if tellsIntegrators {
                topic(u, Exchange.integrators, write: anyUserPrefix(service.toIntegrators), read: "^$")
            }
        }
        for (registry, types) in MessageDirectory.registries.sorted(by: { $0.key < $1.key }) {
            user(registry)
            permit(registry, configure: "^$", write: exactly([Exchange.events]), read: "^$")
            topic(registry, Exchange.events, write: exactly(types.map(\.routingKey)), read: "^$")
        }
        for integrator in developmentIntegrators {
            let own = escape(integrator) + "\\..*"
            user(integrator)
            permit(integrator, configure: anyOf([own]), write: anyOf([escape(Exchange.intake), own]),
                   read: anyOf([escape(Exchange.integrators), own]))
            topic(integrator, Exchange.intake, write: exactly(MessageDirectory.integratorCommands.map(\.routingKey)), read: "^$")
            // Its feed: binding a queue to tthc.integrators needs this read pattern on the key.
            topic(integrator, Exchange.integrators, write: "^$", read: "^" + escape(integrator) + "\\..*$")
        }
        for software in developmentOrganisationSoftware {
            let own = "org-software\\." + escape(software) + "\\..*"
            user(software)
            permit(software, configure: anyOf([own]), write: anyOf([escape(Exchange.intake), own]),
                   read: anyOf([escape(Exchange.organisations), own]))
            topic(software, Exchange.intake, write: exactly(MessageDirectory.organisationSoftwareCommands.map(\.routingKey)), read: "^$")
            topic(software, Exchange.organisations, write: "^$", read: "^" + escape(software) + "\\..*$")
        }
        user(operatorUser, tags: "administrator,impersonator")
        permit(operatorUser, configure: ".*", write: ".*", read: ".*")
        let services = MessageDirectory.services.map(\.name).joined(separator: "|")
        return [
            "rabbit_version": "3.10.8",
            "vhosts": [["name": vhost]],
            "users": users,
            "permissions": permissions,
            "topic_permissions": topics,
            "policies": [[
                // Queues are declared from code with the same arguments; the policy is the operator's
                // lever (e.g. raise the delivery limit) for queues declared by any tool.
                "vhost": vhost, "name": "tthc-service-queues", "priority": 0, "apply-to": "queues",
                "pattern": "^(\(services))\\.[a-z-]+$",
                "definition": ["delivery-limit": 20, "dead-letter-exchange": Exchange.deadLetter,
                               "dead-letter-strategy": "at-least-once", "overflow": "reject-publish"] as [String: Any],
            ] as [String: Any]],
            "exchanges": [Exchange.events, Exchange.intake, Exchange.deadLetter, Exchange.organisations, Exchange.integrators].map {
                ["name": $0, "vhost": vhost, "type": "topic", "durable": true, "auto_delete": false, "internal": false,
                 "arguments": [String: Any]()] as [String: Any]
            },
            "queues": [Any](), "bindings": [Any](), "parameters": [Any](), "global_parameters": [Any](),
        ]
    }

    /// RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ sha256(salt ‖ password)), with a
    /// salt derived from the name so the generated file is reproducible.
    static func passwordHash(_ name: String, password: String) -> String {
        let salt = Array(sha256(Array("tthc-development:\(name)".utf8)).prefix(4))
        return Data(salt + sha256(salt + Array(password.utf8))).base64EncodedString()
    }
}
