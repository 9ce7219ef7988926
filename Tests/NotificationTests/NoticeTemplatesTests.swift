import Contracts
import Foundation
import NotificationRules
import SMSGateways
import XCTest

/// Every template renders a whole text from its event's example, in every channel's form, and an
/// SMS fits one message; a template that refers to a field the event lacks fails, whole.
final class NoticeTemplatesTests: XCTestCase {
    static let examples: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Shared/Contracts/Examples")
    }()

    static func example(_ eventType: String) throws -> JSONValue {
        let bytes = try Data(contentsOf: examples.appendingPathComponent("\(eventType).json"))
        return try WireJSON.decode(Envelope<JSONValue>.self, from: Array(bytes)).data
    }

    /// The example as the service reads it: the message's bytes.
    static func message(_ eventType: String) throws -> TemplatePayload {
        try TemplatePayload(message: Array(try Data(contentsOf: examples.appendingPathComponent("\(eventType).json"))))
    }

    func testEveryTemplateRendersItsExampleWholeInEveryForm() throws {
        let templates = try NoticeTemplates.bundled()
        var rendered = 0
        for audience in NoticeTemplates.Audience.allCases {
            for type in templates.eventTypes(for: audience) {
                let notice = try templates.render(eventType: type, audience: audience, payload: try Self.message(type))
                XCTAssertFalse(notice.account.contains("{{") || notice.account.contains("  "), "\(audience) \(type): \(notice.account)")
                XCTAssertNotNil(notice.emailSubject, "\(audience) \(type) has an e-mail subject")
                XCTAssertFalse(notice.emailSubject?.contains("\n") ?? true, "\(type): a subject is one line")
                if audience == .member {
                    let sms = try XCTUnwrap(notice.sms, "\(type) has an SMS form")
                    let measure = SMSText.measure(sms)
                    XCTAssertEqual(measure.encoding, .gsm7, "\(type): \(sms)")
                    XCTAssertTrue(measure.fits, "\(type): \(measure.length) > \(measure.limit): \(sms)")
                }
                rendered += 1
            }
        }
        XCTAssertEqual(rendered, 31)
    }

    func testWordsFollowTheEvent() throws {
        let templates = try NoticeTemplates.bundled()
        var decided = try Self.example("dossier.decided.v1")
        XCTAssertEqual(try templates.render(eventType: "dossier.decided.v1", audience: .member, payload: TemplatePayload(decided)).account,
                       "Hồ sơ HN.CB0101-261124-000001 đã được phê duyệt.")
        if case .object(var fields) = decided {
            fields["decision"] = .string("rejected")
            fields["reason"] = .string("Thiếu ý kiến chi ủy")
            decided = .object(fields)
        }
        XCTAssertEqual(try templates.render(eventType: "dossier.decided.v1", audience: .member, payload: TemplatePayload(decided)).account,
                       "Hồ sơ HN.CB0101-261124-000001 bị từ chối. Lý do: Thiếu ý kiến chi ủy.")
        let due = try templates.render(eventType: "payment.due.v1", audience: .member, payload: try Self.message("payment.due.v1"))
        XCTAssertTrue(due.account.contains("số tiền phải nộp 95.000 đồng; nộp trực tuyến tại https://"), due.account)
        let arrears = try templates.render(eventType: "dues.arrears-reported.v1", audience: .organisation,
                                           payload: try Self.message("dues.arrears-reported.v1"))
        XCTAssertTrue(arrears.account.contains("DV0000042 (8/2026, 9/2026, 10/2026, 11/2026, 12/2026). Chi bộ"), arrears.account)
        let received = try templates.render(eventType: "dossier.received.v1", audience: .member, payload: try Self.message("dossier.received.v1"))
        XCTAssertTrue(received.account.hasPrefix("Hồ sơ ") && received.account.contains(" lúc "), received.account)
        let supplement = try templates.render(eventType: "dossier.supplement-requested.v1", audience: .member,
                                              payload: try Self.message("dossier.supplement-requested.v1"))
        XCTAssertTrue(supplement.account.contains("1) ") && supplement.account.hasSuffix("Mã hồ sơ không thay đổi khi bổ sung."),
                      supplement.account)
    }

    func testATemplateReferringToAFieldTheEventLacksFailsWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("member"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"version": 1, "emailBody": "{{notice}}", "delegate": "{{memberId}}: {{notice}}"}"#.utf8)
            .write(to: folder.appendingPathComponent("layout.json"))
        try Data(#"{"version": 3, "account": "Hồ sơ {{dossierCode}} — {{khongCo}}", "sms": "Ho so {{dossierCode}}"}"#.utf8)
            .write(to: folder.appendingPathComponent("member/dossier.accepted.v1.json"))
        let templates = try NoticeTemplates(folder: folder)
        XCTAssertThrowsError(try templates.render(eventType: "dossier.accepted.v1", audience: .member,
                                                  payload: try Self.message("dossier.accepted.v1"))) { error in
            XCTAssertTrue("\(error)".contains("khongCo"), "\(error)")
        }
        XCTAssertThrowsError(try templates.render(eventType: "dossier.refused.v1", audience: .member, payload: TemplatePayload(.object([:]))))
        // A transform with nothing to give (a time that is not one) fails too, as does a dotted name.
        try Data(#"{"version": 1, "account": "Lúc {{time(dossierCode)}}"}"#.utf8)
            .write(to: folder.appendingPathComponent("member/dossier.refused.v1.json"))
        XCTAssertThrowsError(try NoticeTemplates(folder: folder).render(eventType: "dossier.refused.v1", audience: .member,
                                                                          payload: try Self.message("dossier.refused.v1"))) { error in
            XCTAssertTrue("\(error)".contains("time(…)"), "\(error)")
        }
        try Data(#"{"version": 1, "account": "{{submitter.memberId}}"}"#.utf8)
            .write(to: folder.appendingPathComponent("member/dossier.refused.v1.json"))
        XCTAssertThrowsError(try NoticeTemplates(folder: folder)) { XCTAssertTrue("\($0)".contains("dotted"), "\($0)") }
        // An SMS form that the data make longer than one message fails.
        try Data(#"{"version": 1, "account": "x", "sms": "Ho so {{reason}}"}"#.utf8)
            .write(to: folder.appendingPathComponent("member/dossier.refused.v1.json"))
        var long = try Self.example("dossier.refused.v1")
        if case .object(var fields) = long { fields["reason"] = .string(String(repeating: "a", count: 200)); long = .object(fields) }
        XCTAssertThrowsError(try NoticeTemplates(folder: folder).render(eventType: "dossier.refused.v1", audience: .member, payload: TemplatePayload(long)))
        XCTAssertThrowsError(try NoticeTemplates(folder: folder.appendingPathComponent("member")), "no layout")
        XCTAssertEqual(templates.delegateText(memberId: "DV1", notice: "X"), "DV1: X")
    }

    func testSMSLength() {
        XCTAssertEqual(SMSText.measure(String(repeating: "a", count: 160)), .init(encoding: .gsm7, length: 160, limit: 160))
        XCTAssertFalse(SMSText.measure(String(repeating: "a", count: 159) + "€").fits, "€ takes two septets")
        XCTAssertEqual(SMSText.measure("Hồ sơ").encoding, .ucs2)
        XCTAssertFalse(SMSText.measure(String(repeating: "ồ", count: 71)).fits)
    }
}

final class DeliveryRulesTests: XCTestCase {
    func testDeliveryStates() {
        XCTAssertEqual(DeliveryState.queued.after(.handedOver), .sent)
        XCTAssertEqual(DeliveryState.queued.after(.refused), .bounced)
        XCTAssertEqual(DeliveryState.queued.after(.temporaryFailure), .queued)
        XCTAssertEqual(DeliveryState.queued.after(.gaveUp), .failed)
        XCTAssertEqual(DeliveryState.sent.after(.reportedDelivered), .delivered)
        XCTAssertEqual(DeliveryState.sent.after(.reportedFailed), .failed)
        XCTAssertEqual(DeliveryState.queued.after(.reportedDelivered), .delivered, "a report ahead of the recorded answer")
        for final in DeliveryState.allCases where final.isFinal {
            for event in [DeliveryState.Event.handedOver, .refused, .temporaryFailure, .gaveUp, .reportedDelivered, .reportedFailed] {
                XCTAssertNil(final.after(event), "\(final) stays")
            }
        }
        XCTAssertNil(DeliveryState.sent.after(.handedOver), "sent twice changes nothing")
    }

    func testRetriesBackOffAndGiveUp() {
        let policy = RetryPolicy(firstRetry: 10, longestWait: 60, giveUpAfter: 200)
        let queued = Date(timeIntervalSince1970: 0)
        XCTAssertEqual(policy.nextAttempt(after: 1, queuedAt: queued, now: queued), Date(timeIntervalSince1970: 10))
        XCTAssertEqual(policy.nextAttempt(after: 3, queuedAt: queued, now: queued.addingTimeInterval(30)), Date(timeIntervalSince1970: 70))
        XCTAssertEqual(policy.nextAttempt(after: 9, queuedAt: queued, now: queued.addingTimeInterval(100)), Date(timeIntervalSince1970: 160))
        XCTAssertEqual(policy.nextAttempt(after: 9, queuedAt: queued, now: queued.addingTimeInterval(150)), Date(timeIntervalSince1970: 200),
                       "one last attempt at the give-up time")
        XCTAssertNil(policy.nextAttempt(after: 10, queuedAt: queued, now: queued.addingTimeInterval(200)), "then given up")
    }

    func testRateLimit() {
        let start = Date(timeIntervalSince1970: 0)
        var bucket = TokenBucket(ratePerSecond: 2, burst: 2, now: start)
        XCTAssertNil(bucket.take(now: start))
        XCTAssertNil(bucket.take(now: start))
        XCTAssertEqual(bucket.take(now: start), start.addingTimeInterval(0.5))
        XCTAssertNil(bucket.take(now: start.addingTimeInterval(0.5)))
    }

    func testPhoneNumbers() {
        XCTAssertEqual(BrandnameSMS.internationalPhone("0900000001"), "84900000001")
        XCTAssertEqual(BrandnameSMS.internationalPhone("+84 912 345 678"), "84912345678")
        XCTAssertEqual(BrandnameSMS.internationalPhone("84912345678"), "84912345678")
        XCTAssertNil(BrandnameSMS.internationalPhone("02438000001"), "a landline takes no SMS")
        XCTAssertNil(BrandnameSMS.internationalPhone("09123"))
    }

    func testSignedRequestsAndReports() {
        let request = BrandnameSMS.SendRequest(partnerId: "TTHC", brandname: "DANG CSVN", phone: "84900000001", message: "Ho so",
                                               requestId: "1", callbackUrl: nil, timestamp: 1, secret: "s")
        XCTAssertTrue(BrandnameSMS.verify(request.signedText, signature: request.signature, secret: "s"))
        XCTAssertFalse(BrandnameSMS.verify(request.signedText, signature: request.signature, secret: "t"))
        var altered = request
        altered.message = "Ho so khac"
        XCTAssertFalse(BrandnameSMS.verify(altered.signedText, signature: altered.signature, secret: "s"))
    }
}
