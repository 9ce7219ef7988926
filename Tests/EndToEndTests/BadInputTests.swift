import Contracts
import Foundation
import Messaging
import ServiceKit
import TestSupport
import XCTest

/// Input that only the database would refuse, and answers that must stay bounded: each bad
/// submission gets a structured rejection naming its path, the good ones around it are received,
/// nothing is dead-lettered, HTTP never answers 500 (issue 11 §2, §4).
final class BadInputTests: XCTestCase {
    typealias ReplyChannel = IntakeTests.ReplyChannel

    func bad(_ change: (inout DossierSubmitV1) -> Void, organisation: String) -> DossierSubmitV1 {
        var submit = SampleDossier.submit(organisation: organisation)
        change(&submit)
        return submit
    }

    func testSubmissionsOnlyTheDatabaseWouldRefuseAreRejectedWithTheirPathAndTheOthersReceived() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let channel = try ReplyChannel()
        let org = system.organisation
        let since = Date()
        let cases: [(String, DossierSubmitV1)] = [
            ("$.data.clientSubmissionId", bad({ $0.clientSubmissionId = "nul-\u{0}-\(UUID())" }, organisation: org)),
            ("$.data.clientSubmissionId", bad({ $0.clientSubmissionId = String(repeating: "k", count: 8192) }, organisation: org)),
            ("$.data.submitter.citizenId", bad({ $0.submitter.citizenId = "0010850\u{0}12345" }, organisation: org)),
            ("$.data.submitter.fullName", bad({ $0.submitter.fullName = "Nguyễn\u{7f}Văn An" }, organisation: org)),
            ("$.data.form.ngayQuyetDinh", bad({ $0.form["ngayQuyetDinh"] = "2026-02-30" }, organisation: org)),
            ("$.data.form.ngayQuyetDinh", bad({ $0.form["ngayQuyetDinh"] = "9999-99-99" }, organisation: org)),
            ("$.data.attachments[0].sizeBytes", bad({ $0.attachments[0].sizeBytes = 1 << 40 }, organisation: org)),
            ("$.data.form.lyDo", bad({ $0.form["lyDo"] = String(repeating: "dài ", count: 2000) }, organisation: org)),
        ]
        var expected: [String: String] = [:]
        for (path, submit) in cases {
            expected[try channel.submit(submit)] = path
            _ = try channel.submit(SampleDossier.submit(organisation: org))
        }
        let replies = try channel.replies(cases.count * 2)
        var received = 0
        for reply in replies {
            if reply.properties.type == MessageType.dossierReceived.cloudEventType {
                received += 1
                continue
            }
            XCTAssertEqual(reply.properties.type, MessageType.dossierRejected.cloudEventType)
            let rejected = try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: reply.body).data
            let path = try XCTUnwrap(expected[reply.properties.correlationId ?? ""])
            XCTAssertTrue(rejected.problems.contains { $0.path == path }, "\(path) named in \(rejected.problems)")
            XCTAssertLessThan(reply.body.count, 8192, "a rejection never grows with the input")
        }
        XCTAssertEqual(received, cases.count, "every good submission around the bad ones is received")
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM intake.dead_letters WHERE dead_lettered_at >= $1::timestamptz",
                                                 [since]), 0, "nothing dead-lettered")
        try system.stopAll()
    }

    func testHTTPAnswers422NotA500ToInputTheDatabaseWouldRefuse() throws {
        let system = try SystemHarness()
        try system.start("intake")
        var submit = SampleDossier.submit(organisation: system.organisation)
        submit.submitter.citizenId = "0010850\u{0}12345"
        let answer = try XCTUnwrap(HTTPProbe.post("http://127.0.0.1:18081/v1/dossiers", headers: [
            "Content-Type": "application/json", "Authorization": "Bearer portal-test-token", "Idempotency-Key": UUID().uuidString,
        ], body: String(decoding: try WireJSON.encode(submit), as: UTF8.self)))
        XCTAssertEqual(answer.status, 422, answer.body)
        XCTAssertTrue(answer.body.contains("$.data.submitter.citizenId"), answer.body)
        try system.stopAll()
    }

    func testTheSameIdempotencyKeyWithAnotherBodyIsRefusedAndTheSameBodyReplayed() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let key = "key-\(UUID())"
        func post(_ submit: DossierSubmitV1) throws -> (status: Int, body: String) {
            try XCTUnwrap(HTTPProbe.post("http://127.0.0.1:18081/v1/dossiers", headers: [
                "Content-Type": "application/json", "Authorization": "Bearer portal-test-token", "Idempotency-Key": key,
            ], body: String(decoding: try WireJSON.encode(submit), as: UTF8.self)))
        }
        let first = SampleDossier.submit(organisation: system.organisation)
        XCTAssertEqual(try post(first).status, 201)
        XCTAssertEqual(try post(first).status, 200, "the same body again is the same submission")
        var other = first
        other.form["lyDo"] = "Một lý do khác"
        let reused = try post(other)
        XCTAssertEqual(reused.status, 422)
        XCTAssertTrue(reused.body.contains("\"code\":\"idempotency-key-reused\""), reused.body)
        // Over AMQP the client submission id is the key: the same rule.
        let channel = try ReplyChannel()
        var amqpFirst = SampleDossier.submit(organisation: system.organisation)
        _ = try channel.submit(amqpFirst)
        var replies = try channel.replies(1)
        amqpFirst.form["lyDo"] = "Khác"
        _ = try channel.submit(amqpFirst)
        replies += try channel.replies(1)
        XCTAssertEqual(replies.map(\.properties.type), [MessageType.dossierReceived.cloudEventType, MessageType.dossierRejected.cloudEventType])
        let rejected = try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: replies[1].body).data
        XCTAssertEqual(rejected.problems.map(\.code), ["idempotency-key-reused"])
        try system.stopAll()
    }

    func testAReceiptNeverEchoesTheDocumentsBytes() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let channel = try ReplyChannel()
        let submit = SampleDossier.submit(organisation: system.organisation)
        XCTAssertNotNil(submit.attachments[0].contentBase64)
        _ = try channel.submit(submit)
        let reply = try XCTUnwrap(channel.replies(1).first)
        let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: reply.body).data
        XCTAssertFalse(receipt.attachments.isEmpty)
        XCTAssertTrue(receipt.attachments.allSatisfy { $0.contentBase64 == nil && $0.signature?.contentBase64 == nil })
        XCTAssertEqual(receipt.attachments.map(\.sha256), submit.attachments.map(\.sha256))
        try system.stopAll()
    }
}
