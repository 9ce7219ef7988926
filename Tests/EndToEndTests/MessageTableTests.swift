import Contracts
import Foundation
import TestSupport
import XCTest

/// `docs/messages.md`: for each message type its producers (MessageDirectory), its consumers and
/// the tables it lands in (each service's own `--describe`, from its ServiceDefinition and
/// handlers), its schema and example. Regenerate with
/// `TTHC_WRITE_MESSAGE_TABLE=1 swift test --filter MessageTableTests`.
final class MessageTableTests: XCTestCase {
    static let services = ["intake", "validation", "routing", "payment", "notification", "archive"]

    struct Description: Decodable {
        struct Queue: Decodable {
            struct Handler: Decodable {
                let type: String
                let tables: [String]
            }
            let queue: String
            let exchange: String
            let handlers: [Handler]
        }
        let service: String
        let queues: [Queue]
        let timers: [String]
    }

    func describe(_ service: String) throws -> Description {
        let process = Process()
        process.executableURL = TestEnvironment.binDirectory.appendingPathComponent("tthc-\(service)")
        process.arguments = ["--describe"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode(Description.self, from: data)
    }

    func producers(of type: MessageType) -> String {
        if MessageDirectory.reserved.contains(type) { return "*reserved* (nobody emits it yet)" }
        if MessageDirectory.integratorCommands.contains(type) { return "integrators (`tthc.intake`)" }
        var names = MessageDirectory.eventPublishers(of: type).sorted().map { $0.hasPrefix("tthc-") ? String($0.dropFirst(5)) : $0 }
        if MessageDirectory.organisationSoftwareCommands.contains(type) { names.append("organisations' software (`tthc.intake`)") }
        let answering = MessageDirectory.services.filter { $0.answers.contains(type) }.map(\.name)
        if !answering.isEmpty { names.append("answer on `reply_to`: " + answering.joined(separator: ", ")) }
        return names.joined(separator: "; ")
    }

    func table(_ descriptions: [Description]) -> String {
        var consumers: [String: [String]] = [:]
        for description in descriptions {
            for queue in description.queues {
                for handler in queue.handlers {
                    let tables = handler.tables.isEmpty ? "" : " → " + handler.tables.map { "`\(description.service).\($0)`" }.joined(separator: ", ")
                    consumers[handler.type, default: []].append("\(description.service) (`\(queue.queue)`)\(tables)")
                }
            }
        }
        var lines = [
            "# Messages: who emits, who consumes, where they land",
            "",
            "Generated from `Shared/Contracts/MessageDirectory.swift` (producers) and each service's",
            "`tthc-<service> --describe` (its queues and handlers, and the tables each handler writes besides",
            "`inbox` and `outbox`); a test (`MessageTableTests`) checks it is current. Schemas are",
            "`Shared/Contracts/Schemas/<type>.schema.json`, examples `Shared/Contracts/Examples/<type>.json`; events",
            "travel on `tthc.events` with the type as routing key, commands on `tthc.intake`.",
            "",
            "| type | producers | consumers (queue) → tables |",
            "| --- | --- | --- |",
        ]
        for type in ContractCatalog.payloadTypes.keys.sorted(by: { $0.routingKey < $1.routingKey }) {
            let key = type.routingKey
            let consumed = consumers[key].map { $0.joined(separator: "<br>") } ?? "—"
            lines.append("| [`\(key)`](../Shared/Contracts/Schemas/\(key).schema.json) | \(producers(of: type)) | \(consumed) |")
        }
        lines += ["", "## Timers (durable, in the service's `timers` table)", ""]
        for description in descriptions where !description.timers.isEmpty {
            lines.append("- \(description.service): " + description.timers.map { "`\($0)`" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func testTheMessageTableIsCurrent() throws {
        let generated = table(try Self.services.map(describe))
        let path = TestEnvironment.repositoryRoot.appendingPathComponent("docs/messages.md")
        if ProcessInfo.processInfo.environment["TTHC_WRITE_MESSAGE_TABLE"] != nil {
            try generated.write(to: path, atomically: true, encoding: .utf8)
        }
        XCTAssertEqual(try String(contentsOf: path, encoding: .utf8), generated,
                       "regenerate: TTHC_WRITE_MESSAGE_TABLE=1 swift test --filter MessageTableTests")
    }
}
