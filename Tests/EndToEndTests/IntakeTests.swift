import Calendar
import Contracts
import Foundation
import Messaging
import ServiceKit
import Synchronization
import TestSupport
import XCTest

/// Issue 3: intake over AMQP and HTTP, against the real servers.
final class IntakeTests: XCTestCase {
    /// A reply queue read by the test, and a way to publish submissions that ask for answers.
    final class ReplyChannel {
        let listener: AMQPConnection
        let queue: String
        let publisher: AMQPConnection
        let integrator: String

        init(integrator: String = "portal-test") throws {
            // The integrator's own reply queue (`<user>.…`, the only names it may declare and intake answers).
            listener = try TestEnvironment.amqp(user: integrator)
            queue = try listener.declareQueue("\(integrator).replies.\(UUID().uuidString.lowercased())", durable: false,
                                              exclusive: true, autoDelete: true).name
            try listener.consume(queue: queue)
            publisher = try TestEnvironment.amqp(user: integrator, confirms: true)
            self.integrator = integrator
        }

        func submit(_ submit: DossierSubmitV1, type: MessageType = .dossierSubmit) throws -> String {
            try send(submit, type: type, routingKey: MessageType.dossierSubmit.routingKey)
        }

        /// Publishes any command to `tthc.intake` asking for an answer on the test's queue.
        func send<Payload: Codable & Sendable>(_ payload: Payload, type: MessageType, routingKey: String? = nil) throws -> String {
            let envelope = Envelope(source: "urn:test", type: type, data: payload)
            try publisher.publish(exchange: Exchange.intake, routingKey: routingKey ?? type.routingKey,
                                  body: try WireJSON.encode(envelope),
                                  properties: MessageProperties(messageId: envelope.id, type: envelope.type,
                                                                contentType: "application/cloudevents+json",
                                                                userId: integrator, correlationId: envelope.id, replyTo: queue))
            try publisher.waitForConfirms()
            return envelope.id
        }

        /// Publishes a message exactly as given (e.g. an example file) to `tthc.intake`.
        func publish(_ body: [UInt8], type: MessageType) throws {
            let id = UUID().uuidString.lowercased()
            try publisher.publish(exchange: Exchange.intake, routingKey: type.routingKey, body: body,
                                  properties: MessageProperties(messageId: id, type: type.cloudEventType,
                                                                contentType: "application/cloudevents+json",
                                                                userId: integrator, correlationId: id, replyTo: queue))
            try publisher.waitForConfirms()
        }

        /// The next `count` replies (type and body).
        func replies(_ count: Int, timeout: TimeInterval = 30) throws -> [Delivery] {
            var received: [Delivery] = []
            try TestEnvironment.eventually(timeout: timeout, "\(count) replies") {
                while let d = try listener.nextDelivery(timeout: 0.05) {
                    received.append(d)
                    try listener.ack(d.deliveryTag)
                }
                return received.count >= count
            }
            return received
        }

        deinit {
            listener.close()
            publisher.close()
        }
    }

    func vn(_ text: String) -> Date { VietnamTime.parse(local: text)! }

    func testOfficialReceiptTimeFollowsWorkingTime() throws {
        let cases = [
            // Official transfer: 10 working days to decide, counted from the official receipt.
            ("Friday evening", "2026-11-27 18:00", "2026-11-30 07:30", "2026-12-14 17:00"),
            ("Saturday", "2026-11-28 10:00", "2026-11-30 07:30", "2026-12-14 17:00"),
            ("eve of Tết 2027", "2027-02-04 17:30", "2027-02-12 07:30", "2027-02-26 17:00"),
            ("National Day 2/9", "2026-09-02 08:00", "2026-09-03 07:30", "2026-09-17 17:00"),
        ]
        for (name, arrival, expected, deadline) in cases {
            let system = try SystemHarness()
            try system.start("intake", environment: ["TTHC_CLOCK_START": WireJSON.formatTimestamp(vn(arrival))])
            let channel = try ReplyChannel()
            _ = try channel.submit(SampleDossier.submit(organisation: system.organisation))
            let reply = try XCTUnwrap(channel.replies(1).first)
            XCTAssertEqual(reply.properties.type, MessageType.dossierReceived.cloudEventType, name)
            let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: reply.body).data
            XCTAssertEqual(receipt.officialReceiptAt, vn(expected), "\(name): official receipt time")
            XCTAssertEqual(receipt.receivedAt.timeIntervalSince(vn(arrival)), 0, accuracy: 30, "\(name): arrival kept")
            XCTAssertEqual(receipt.deadline, vn(deadline), "\(name): processing deadline")
            XCTAssertEqual(receipt.verificationUrl, "http://127.0.0.1:8081/v1/dossiers/\(receipt.dossierCode)")
            try system.stopAll()
        }
    }

    func testIdenticalSubmissionsAtTwoReplicasAtOnceCreateOneDossierEach() throws {
        let system = try SystemHarness()
        try system.start("intake", environment: ["TTHC_CONSUMERS": "1", "TTHC_BATCH_SIZE": "5"])
        let second = try ServiceProcess("intake", httpPort: 18091, environment: ["TTHC_CONSUMERS": "1", "TTHC_BATCH_SIZE": "5"])
        try second.waitUntilReady()
        let channel = try ReplyChannel()
        var submissions: [DossierSubmitV1] = []
        for i in 0..<20 {
            let submit = SampleDossier.submit(clientSubmissionId: "twice-\(system.organisation)-\(i)", organisation: system.organisation)
            submissions.append(submit)
        }
        // Each submission twice in a row, different message ids: the broker hands consecutive
        // deliveries to the two consumers in turn, so the copies reach both replicas at once.
        for submit in submissions {
            _ = try channel.submit(submit)
            _ = try channel.submit(submit)
        }
        // And over HTTP, the same key to both replicas at the same moment.
        let body = String(decoding: try WireJSON.encode(SampleDossier.submit(organisation: system.organisation)), as: UTF8.self)
        let key = "http-twice-\(system.organisation)"
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let answer = HTTPProbe.post("http://127.0.0.1:\([18081, 18091][i])/v1/dossiers", headers: [
                "Content-Type": "application/json", "Authorization": "Bearer portal-test-token", "Idempotency-Key": key,
            ], body: body)
            statuses.withLock { $0.append(answer?.status ?? 0) }
        }
        XCTAssertEqual(statuses.withLock { $0.sorted() }, [200, 201], "one created, one replayed")
        let replies = try channel.replies(40)
        var codes: [String: Set<String>] = [:]
        for reply in replies {
            let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: reply.body).data
            codes[receipt.clientSubmissionId, default: []].insert(receipt.dossierCode)
        }
        XCTAssertEqual(codes.count, 20)
        XCTAssertTrue(codes.values.allSatisfy { $0.count == 1 }, "both copies answered with the same code")
        XCTAssertEqual(try system.intakeDossiers(), 21)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT last_value AS n FROM intake.dossier_sequences WHERE organisation_code = $1", [system.organisation]), 21,
                       "no code taken twice, no gap")
        XCTAssertEqual(try second.terminate(), 0)
        try system.stopAll()
    }

    func testRejectionListsEveryProblemAtOnce() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let channel = try ReplyChannel()
        var submit = SampleDossier.submit(organisation: system.organisation)
        submit.procedureCode = "KHONG.TON.TAI"
        submit.submitter.fullName = " "
        submit.attachments[0].sha256 = "not-a-digest"
        submit.form["ghiChu"] = "xin\u{0007}chào"
        _ = try channel.submit(submit)
        let reply = try XCTUnwrap(channel.replies(1).first)
        XCTAssertEqual(reply.properties.type, MessageType.dossierRejected.cloudEventType)
        let rejected = try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: reply.body).data
        XCTAssertEqual(Set(rejected.problems.map(\.code)),
                       ["unknown-procedure", "required", "invalid-digest", "control-character"])
        XCTAssertEqual(Set(rejected.problems.map(\.path)), [
            "$.data.procedureCode", "$.data.submitter.fullName", "$.data.attachments[0].sha256", "$.data.form.ghiChu",
        ])
        XCTAssertTrue(rejected.problems.allSatisfy { !$0.message.isEmpty })
        XCTAssertEqual(try system.intakeDossiers(), 0, "no half-created dossier")
        try system.stopAll()
    }

    func testCatalogChecksComponentsSignaturesSizesAndFormAtOnce() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let channel = try ReplyChannel()
        var submit = SampleDossier.submit(organisation: system.organisation)
        submit.formVersion = "2025.3"
        submit.form["noiDen"] = nil
        submit.attachments.removeAll { $0.componentCode == "BTKD" }  // a required component missing
        submit.attachments[0].signature = nil                        // DDN must be signed
        submit.attachments[1].mediaType = "text/plain"               // QD: pdf or image only
        submit.attachments[1].sizeBytes = 50 * 1024 * 1024           // over the 10 MB limit
        _ = try channel.submit(submit)
        let reply = try XCTUnwrap(channel.replies(1).first)
        let rejected = try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: reply.body).data
        let found = Set(rejected.problems.map { "\($0.code) \($0.path)" })
        XCTAssertEqual(found, [
            "form-version-outdated $.data.formVersion",
            "required $.data.form.noiDen",
            "signature-missing $.data.attachments[0].signature",
            "media-type-not-allowed $.data.attachments[1].mediaType",
            "too-large $.data.attachments[1].sizeBytes",
            "missing-component $.data.attachments",
        ])
        XCTAssertTrue(rejected.problems.contains { $0.message.contains("Bản tự kiểm điểm") }, "names the missing component")
        XCTAssertEqual(try system.intakeDossiers(), 0)
        try system.stopAll()
    }

    func testUnprocessableCommandIsAnsweredAndDeadLettered() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let channel = try ReplyChannel()
        let id = try channel.submit(SampleDossier.submit(organisation: system.organisation),
                                    type: MessageType("dossier.submit", major: 3))
        let reply = try XCTUnwrap(channel.replies(1).first)
        XCTAssertEqual(reply.properties.type, MessageType.messageDeadLettered.cloudEventType)
        XCTAssertEqual(reply.properties.correlationId, id)
        let answer = try WireJSON.decode(Envelope<MessageDeadLetteredV1>.self, from: reply.body).data
        XCTAssertEqual(answer.errorCode, "unsupported-version")
        XCTAssertEqual(answer.messageId, id)
        let admin = try TestEnvironment.amqp()
        defer { admin.close() }
        try TestEnvironment.eventually("kept in the dead-letter queue") { try admin.messageCount(queue: "intake.dead-letter") == 1 }
        try system.stopAll()
    }

    func testTheStatusDeskShowsTheCurrentStepAndItsDeadline() throws {
        let system = try SystemHarness()
        try system.startAll(autoDecide: false)  // nobody decides: the dossier waits on its first step
        defer { _ = try? system.stopAll() }
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembers([member])
        let channel = try ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member))
        let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        var view: [String: Any] = [:]
        try TestEnvironment.eventually(timeout: 60, "in progress") {
            guard let answer = HTTPProbe.get("http://127.0.0.1:18081/v1/dossiers/\(receipt.dossierCode)",
                                             headers: ["X-Receipt-Secret": receipt.receiptSecret ?? ""]) else { return false }
            view = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as! [String: Any]
            return view["status"] as? String == "in-progress"
        }
        let step = try XCTUnwrap(view["currentStep"] as? [String: Any], "\(view)")
        XCTAssertEqual(step["stepNumber"] as? Int, 1)
        XCTAssertEqual(step["organisationCode"] as? String, system.organisation, "the member's own cell confirms first")
        XCTAssertNotNil(step["deadline"] as? String)
    }

    func testHTTPSubmissionIsIdempotentAndTheStatusDeskShowsTheTimeline() throws {
        let system = try SystemHarness()
        try system.startAll()
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembers([member])
        let body = String(decoding: try WireJSON.encode(SampleDossier.submit(organisation: system.organisation, member: member)),
                          as: UTF8.self)
        let headers = ["Content-Type": "application/json", "Authorization": "Bearer portal-test-token",
                       "Idempotency-Key": "http-\(system.organisation)"]
        let url = "http://127.0.0.1:18081/v1/dossiers"
        let first = try XCTUnwrap(HTTPProbe.post(url, headers: headers, body: body))
        XCTAssertEqual(first.status, 201, first.body)
        let again = try XCTUnwrap(HTTPProbe.post(url, headers: headers, body: body))
        XCTAssertEqual(again.status, 200, again.body)
        let receipt = try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as! [String: Any]
        let code = try XCTUnwrap(receipt["dossierCode"] as? String)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(again.body.utf8)) as! [String: Any])["dossierCode"] as? String, code)
        XCTAssertEqual(receipt["verificationUrl"] as? String, "http://127.0.0.1:8081/v1/dossiers/\(code)")

        var status: [String: Any] = [:]
        try TestEnvironment.eventually(timeout: 60, "timeline complete") {
            // The submitting integrator's token shows the whole view (the code alone, only the status).
            guard let answer = HTTPProbe.get("http://127.0.0.1:18081/v1/dossiers/\(code)",
                                             headers: ["Authorization": "Bearer portal-test-token"]), answer.status == 200 else { return false }
            status = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as! [String: Any]
            return status["status"] as? String == "result-issued"
        }
        let history = try XCTUnwrap(status["history"] as? [[String: Any]])
        // Each assigned step appears (four on this short route: the cell, the grassroots committee's
        // letter, the member presenting it, the receiving cell; the decision on a late presentation
        // is skipped); events of one routing transaction share a time, so only their counts are compared.
        let types = history.compactMap { $0["type"] as? String }
        XCTAssertEqual(Array(types.prefix(2)), ["dossier.received.v1", "dossier.accepted.v1"])
        XCTAssertEqual(types.last, "result.issued.v1")
        XCTAssertEqual(types.filter { $0 == "dossier.step-assigned.v1" }.count, 4)
        // A step's decision shows through what follows it (the next step, the decision): the
        // timeline keeps no entry of its own for it.
        XCTAssertEqual(types.filter { $0 == "dossier.step-decided.v1" }.count, 0)
        XCTAssertEqual(types.filter { $0 == "dossier.decided.v1" }.count, 1)
        XCTAssertEqual(status["statusLabel"] as? String, "Đã trả kết quả")
        XCTAssertNotNil(status["deadline"] as? String, "the processing deadline is public")
        XCTAssertNil(status["submitter"], "no private content on the public desk")

        // Bad input over HTTP: structured errors, never a crash.
        XCTAssertEqual(HTTPProbe.post(url, headers: headers, body: "{not json")?.status, 400)
        XCTAssertEqual(HTTPProbe.post(url, headers: headers.merging(["Authorization": "Bearer wrong"]) { $1 }, body: body)?.status, 401)
        XCTAssertEqual(HTTPProbe.post(url, headers: headers.merging(["Content-Type": "text/plain"]) { $1 }, body: body)?.status, 415)
        XCTAssertEqual(HTTPProbe.get("http://127.0.0.1:18081/v1/dossiers/HN.CB01-261124-999999")?.status, 404)

        // The public catalog shows each procedure's processing time limit.
        let catalog = try XCTUnwrap(HTTPProbe.get("http://127.0.0.1:18081/v1/procedures?q=chuy%E1%BB%83n"))
        XCTAssertEqual(catalog.status, 200)
        let procedures = try JSONSerialization.jsonObject(with: Data(catalog.body.utf8)) as! [[String: Any]]
        XCTAssertEqual(Set(procedures.compactMap { $0["code"] as? String }), ["CSHD.CHINHTHUC", "CSHD.TAMTHOI"])
        XCTAssertTrue(procedures.allSatisfy { ($0["processingTimeLimitWorkingDays"] as? Int ?? 0) > 0 })
        XCTAssertEqual(HTTPProbe.get("http://127.0.0.1:18081/v1/procedures/DANGPHI")?.status, 200)
        XCTAssertEqual(HTTPProbe.get("http://127.0.0.1:18081/v1/procedures/DANGPHI?at=2025-06-01T00:00:00Z")?.status, 404)
        try system.stopAll()
    }
}
