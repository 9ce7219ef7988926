import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Issue 14: the integrator hears back about its own dossiers, and only its own — on its feed
/// (`tthc.integrators`, routing key `<integrator>.<type>`) and on the status desk when it shows
/// the receipt secret or its token; the dossier code alone shows only the status.
final class IntegratorFeedTests: XCTestCase {
    /// A queue of the integrator's own (`<user>.…`) bound to its feed.
    final class Feed {
        let connection: AMQPConnection
        let queue: String
        private(set) var events: [(type: String, body: [String: Any])] = []

        init(integrator: String, bindingKey: String? = nil) throws {
            connection = try TestEnvironment.amqp(user: integrator)
            queue = try connection.declareQueue("\(integrator).feed.\(UUID().uuidString.lowercased())", durable: false,
                                                exclusive: true, autoDelete: true).name
            try connection.bindQueue(queue, exchange: Exchange.integrators, routingKey: bindingKey ?? "\(integrator).#")
            try connection.consume(queue: queue)
        }

        /// Reads what has arrived; true once `done` holds for the events so far.
        func read(until done: ([(type: String, body: [String: Any])]) -> Bool, timeout: TimeInterval = 90) throws {
            try TestEnvironment.eventually(timeout: timeout, "feed complete") {
                while let delivery = try connection.nextDelivery(timeout: 0.05) {
                    let body = try JSONSerialization.jsonObject(with: Data(delivery.body)) as! [String: Any]
                    events.append((delivery.routingKey, body))
                    try connection.ack(delivery.deliveryTag)
                }
                return done(events)
            }
        }

        func events(of code: String) -> [(type: String, body: [String: Any])] {
            events.filter { $0.body["subject"] as? String == code }
        }

        deinit { connection.close() }
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    func testTheIntegratorHearsEveryProblemAndTheResultOnItsOwnFeedAndOnlyTheSubmitterSeesDetails() throws {
        let system = try SystemHarness()
        try system.startAll()
        defer { _ = try? system.stopAll() }
        let feed = try Feed(integrator: "portal-test")
        let othersFeed = try Feed(integrator: "portal-demo")
        // What every subscriber of tthc.events sees of the receipt.
        let subscriber = try TestEnvironment.amqp()
        defer { subscriber.close() }
        let events = try subscriber.declareQueue("test.received-\(UUID().uuidString.lowercased())", durable: false,
                                                 exclusive: true, autoDelete: true).name
        try subscriber.bindQueue(events, exchange: Exchange.events, routingKey: MessageType.dossierReceived.routingKey)
        try subscriber.consume(queue: events)
        let members = TestEnvironment.members(2, organisation: system.organisation)
        try TestEnvironment.registerMembersReplicated(members)
        // One dossier the registry contradicts (a supplement is requested), one that goes to its result.
        var contradicted = SampleDossier.submit(organisation: system.organisation, member: members[0])
        contradicted.submitter.fullName = "Nguyễn Văn Sai Tên"
        let good = SampleDossier.submit(organisation: system.organisation, member: members[1])
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(contradicted)
        _ = try channel.submit(good)
        let receipts = try channel.replies(2).map { try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: $0.body).data }
        let byClient = Dictionary(uniqueKeysWithValues: receipts.map { ($0.clientSubmissionId, $0) })
        let asked = try XCTUnwrap(byClient[contradicted.clientSubmissionId])
        let decided = try XCTUnwrap(byClient[good.clientSubmissionId])
        let secret = try XCTUnwrap(asked.receiptSecret, "the receipt carries its secret for the submitter")
        XCTAssertEqual(secret.count, 32)

        try feed.read { _ in
            feed.events(of: asked.dossierCode).contains { $0.type.hasSuffix(MessageType.dossierSupplementRequested.routingKey) }
                && feed.events(of: decided.dossierCode).contains { $0.type.hasSuffix(MessageType.resultIssued.routingKey) }
        }
        // Every copy is this integrator's, routed by its own prefix.
        XCTAssertTrue(feed.events.allSatisfy { $0.type.hasPrefix("portal-test.") }, "\(feed.events.map(\.type))")
        let request = try XCTUnwrap(feed.events(of: asked.dossierCode).first {
            $0.type == "portal-test.\(MessageType.dossierSupplementRequested.routingKey)" })
        let problems = try XCTUnwrap((request.body["data"] as? [String: Any])?["problems"] as? [[String: Any]])
        XCTAssertEqual(problems.compactMap { $0["code"] as? String }, ["registry-mismatch"])
        XCTAssertEqual(problems.compactMap { $0["path"] as? String }, ["$.data.submitter.fullName"])
        XCTAssertFalse((problems[0]["message"] as? String ?? "").isEmpty, "each problem explained in Vietnamese")
        let path = feed.events(of: decided.dossierCode).map { String($0.type.dropFirst("portal-test.".count)) }
        XCTAssertEqual(path.first, MessageType.dossierReceived.routingKey)
        XCTAssertEqual(path.last, MessageType.resultIssued.routingKey)
        XCTAssertEqual(Set(path), Set([MessageType.dossierReceived, .dossierAccepted, .dossierStepAssigned, .dossierDecided,
                                       .resultIssued].map(\.routingKey)))
        XCTAssertEqual(path.count, Set(feed.events(of: decided.dossierCode).compactMap { $0.body["id"] as? String }).count,
                       "no event twice")
        let result = try XCTUnwrap(feed.events(of: decided.dossierCode).last?.body["data"] as? [String: Any])
        XCTAssertNotNil(result["resultCode"] as? String)
        // The example of each event type shows every field the system really sends.
        let examples = TestEnvironment.repositoryRoot.appendingPathComponent("Shared/Contracts/Examples")
        for event in feed.events {
            let type = String(event.type.dropFirst("portal-test.".count))
            let example = try JSONSerialization.jsonObject(
                with: Data(contentsOf: examples.appendingPathComponent("\(type).json"))) as! [String: Any]
            let sent = Set((event.body["data"] as? [String: Any] ?? [:]).keys)
            let shown = Set((example["data"] as? [String: Any] ?? [:]).keys)
            XCTAssertTrue(sent.isSubset(of: shown), "\(type): the example lacks \(sent.subtracting(shown).sorted())")
        }
        // The other integrator heard nothing of them.
        XCTAssertTrue(try othersFeed.connection.nextDelivery(timeout: 0.5) == nil)

        // The status desk: the code alone shows the status and nothing else.
        let desk = "http://127.0.0.1:\(SystemHarness.ports["intake"]!)/v1/dossiers/\(asked.dossierCode)"
        let anyone = try json(try XCTUnwrap(HTTPProbe.get(desk)).body)
        XCTAssertEqual(Set(anyone.keys), ["dossierCode", "status", "statusLabel", "verificationUrl"])
        XCTAssertEqual(anyone["status"] as? String, "supplement-requested")
        // With the receipt secret (header or the QR code's query), the history with the problems.
        for answer in [HTTPProbe.get(desk, headers: ["X-Receipt-Secret": secret]), HTTPProbe.get("\(desk)?secret=\(secret)"),
                       HTTPProbe.get(desk, headers: ["Authorization": "Bearer portal-test-token"])] {
            let view = try json(try XCTUnwrap(answer).body)
            let history = try XCTUnwrap(view["history"] as? [[String: Any]])
            let details = try XCTUnwrap(history.first { $0["type"] as? String == MessageType.dossierSupplementRequested.routingKey }?["details"]
                                        as? [String: Any])
            XCTAssertEqual((details["problems"] as? [[String: Any]])?.compactMap { $0["code"] as? String }, ["registry-mismatch"])
            XCTAssertNotNil(view["deadline"] as? String)
        }
        XCTAssertEqual(HTTPProbe.get(desk, headers: ["X-Receipt-Secret": String(secret.reversed())])?.status, 403)
        XCTAssertEqual(HTTPProbe.get(desk, headers: ["Authorization": "Bearer portal-demo-token"])?.status, 403)
        XCTAssertEqual(HTTPProbe.get(desk, headers: ["Authorization": "Bearer wrong"])?.status, 401)
        // The event on tthc.events never carries the secret.
        var published: [DossierReceivedV1] = []
        try TestEnvironment.eventually("both receipts published") {
            while let delivery = try subscriber.nextDelivery(timeout: 0.05) {
                published.append(try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: delivery.body).data)
            }
            return Set(published.map(\.dossierCode)).isSuperset(of: [asked.dossierCode, decided.dossierCode])
        }
        XCTAssertTrue(published.allSatisfy { $0.receiptSecret == nil })

        // The name the request named is corrected by the amendment (left empty: the registry fills
        // it), and the dossier goes on to its result.
        _ = try channel.send(DossierSupplementV1(dossierCode: asked.dossierCode, clientSubmissionId: "bs-\(asked.dossierCode)",
                                                 submitter: SubmitterCorrection(fullName: "")), type: .dossierSupplement)
        XCTAssertEqual(try channel.replies(1)[0].properties.type, MessageType.dossierSupplementReceived.cloudEventType)
        try feed.read { _ in
            feed.events(of: asked.dossierCode).contains { $0.type.hasSuffix(MessageType.resultIssued.routingKey) }
        }
    }
}
