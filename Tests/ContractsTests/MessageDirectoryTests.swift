import Contracts
import Foundation
import XCTest

/// The published contract (Deploy/asyncapi.yaml) names the same producer for every type as the
/// directory the services and the broker's permissions are built from.
final class MessageDirectoryTests: XCTestCase {
    static let asyncAPI = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Deploy/asyncapi.yaml")

    /// Each channel's address and `x-tthc-producers`, in file order.
    func channels() throws -> [(address: String, title: String, producers: Set<String>)] {
        let lines = try String(contentsOf: Self.asyncAPI, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var found: [(String, String, Set<String>)] = []
        for (index, line) in lines.enumerated() where line.hasPrefix("    x-tthc-producers: ") {
            let address = lines[index - 1].replacingOccurrences(of: "    address: ", with: "")
            let title = lines[index + 1].replacingOccurrences(of: "    title: ", with: "")
            let producers = line.dropFirst("    x-tthc-producers: ".count).split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }
            found.append((address, title, Set(producers)))
        }
        return found
    }

    func testEveryEventChannelNamesTheProducersTheDirectoryDeclares() throws {
        let events = try channels().filter { $0.title.hasPrefix("tthc.events") }
        XCTAssertEqual(Set(events.map(\.address)), Set(ContractCatalog.payloadTypes.keys.map(\.routingKey))
            .subtracting(MessageDirectory.integratorCommands.map(\.routingKey) + [MessageType.messageDeadLettered.routingKey]),
                       "every event type has its channel on tthc.events")
        for channel in events {
            let type = try XCTUnwrap(MessageType(routingKey: channel.address))
            if MessageDirectory.reserved.contains(type) {
                XCTAssertEqual(channel.producers, ["reserved"], "\(type) is reserved: nobody emits it yet")
                continue
            }
            let users = MessageDirectory.eventPublishers(of: type)
            let names = Set(users.map { $0.hasPrefix("tthc-") ? String($0.dropFirst(5)) : $0 })
            XCTAssertEqual(channel.producers, names, "producers of \(type)")
        }
    }

    func testCommandChannelsNameWhoSendsThem() throws {
        let commands = try channels().filter { $0.title.hasPrefix("tthc.intake") }
        var expected: [String: Set<String>] = [:]
        for type in MessageDirectory.integratorCommands { expected[type.routingKey] = ["integrators"] }
        for type in MessageDirectory.organisationSoftwareCommands { expected[type.routingKey] = ["organisation-software"] }
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: commands.map { ($0.address, $0.producers) }), expected)
    }

    func testAnswersOnReplyToAreDeclaredByTheServicesThatSendThem() throws {
        let answers = try XCTUnwrap(channels().first { $0.title.hasPrefix("amq.default") })
        let senders = MessageDirectory.services.filter { $0.answers.contains(.messageDeadLettered) }.map(\.name)
        XCTAssertEqual(answers.producers, Set(senders))
    }

    func testEveryContractTypeIsEmittedByExactlyTheDeclaredOrReserved() {
        for type in ContractCatalog.payloadTypes.keys where type != .messageDeadLettered {
            let declared = !MessageDirectory.eventPublishers(of: type).isEmpty || MessageDirectory.integratorCommands.contains(type)
            XCTAssertNotEqual(declared, MessageDirectory.reserved.contains(type), "\(type): declared or reserved, not both or neither")
        }
    }

    func testTheIntegratorFeedChannelListsWhatIntakeForwards() throws {
        let text = try String(contentsOf: Self.asyncAPI, encoding: .utf8)
        let start = try XCTUnwrap(text.range(of: "  integrator-feed:\n"))
        // The channel's lines: up to the next entry at the same depth.
        let lines = text[start.upperBound...].split(separator: "\n").prefix { $0.hasPrefix("   ") }
        let listed = lines.filter { $0.hasPrefix("        $ref: '#/components/messages/") }
            .map { $0.dropFirst("        $ref: '#/components/messages/".count).dropLast() }
        let expected = MessageDirectory.integratorFeed.map { type -> String in
            let name = type.routingKey.dropLast(3).split(whereSeparator: { $0 == "." || $0 == "-" })
            return name.enumerated().map { $0 == 0 ? String($1) : $1.prefix(1).uppercased() + $1.dropFirst() }.joined()
        }
        XCTAssertEqual(listed.map(String.init), expected)
        XCTAssertEqual(MessageDirectory.service(named: "intake")?.toIntegrators, MessageDirectory.integratorFeed)
    }

    func testAnswersGoOnlyToTheSendersOwnQueues() {
        XCTAssertTrue(MessageDirectory.mayAnswer("portal-test.replies.1", sender: "portal-test"))
        XCTAssertTrue(MessageDirectory.mayAnswer("amq.rabbitmq.reply-to.g1h2AA==", sender: "portal-test"))
        XCTAssertTrue(MessageDirectory.mayAnswer("org-software.org-software-demo.q", sender: "org-software-demo"))
        XCTAssertFalse(MessageDirectory.mayAnswer("portal-demo.replies.1", sender: "portal-test"))
        XCTAssertFalse(MessageDirectory.mayAnswer("payment.requests", sender: "portal-test"))
        XCTAssertFalse(MessageDirectory.mayAnswer("amq.gen-abc", sender: "portal-test"))
        XCTAssertFalse(MessageDirectory.mayAnswer("portal-test.replies.1", sender: nil))
    }
}
