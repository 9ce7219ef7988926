import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// PAKN items that stop before an answer, on the controllable clock: clarification answered and
/// not answered (paused, then resumed), withdrawn before acceptance, refused with a reason;
/// reclassified by an officer; submitted and followed up over HTTP, with the integrator's feed and
/// status desk; an organisation as the sender.
final class FeedbackClarificationTests: XCTestCase, FeedbackScenario, DocumentUploading {
    func http(_ path: String, key: String, _ body: [String: Any]) throws -> (status: Int, body: String) {
        try XCTUnwrap(HTTPProbe.post("\(intake)\(path)", headers: [
            "Authorization": "Bearer portal-test-token", "Content-Type": "application/json", "Idempotency-Key": key,
        ], body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)))
    }

    func testClarifiedPausedResumedWithdrawnRefusedReclassifiedAndOverHTTP() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")
        let member = try startSystem(system, environment: clock.environment)
        let channel = try IntakeTests.ReplyChannel()
        let feed = try IntegratorFeedTests.Feed(integrator: "portal-test", bindingKey: "portal-test.feedback.#")
        let cell = system.organisation
        let grassroots = try XCTUnwrap(try chain(from: cell).first { try kind(of: $0) == "grassroots" })
        func item(_ n: Int, _ text: String) throws -> String {
            let code = try received(feedback(member, organisation: cell, key: "pakn-c\(n)-\(cell)", topic: "sinh-hoat-dang", text: text),
                                    on: channel).paknCode
            try TestEnvironment.eventually("item \(n) assigned") { try self.itemStatus(code) == "received" }
            return code
        }

        // Clarification asked and answered: the organisation decides again, the answer's clock from the clarification.
        let clarified = try item(1, "Chi bộ chưa tổ chức sinh hoạt định kỳ tháng này.")
        let question = try await update(clarified, .clarificationRequested, "clarification requested") {
            try await expectAct(200, clarified, as: grassroots, ["decision": "request-clarification", "text": "Đề nghị nêu rõ tên chi bộ."])
        }
        XCTAssertEqual(question.reason, "Đề nghị nêu rõ tên chi bộ.")
        XCTAssertEqual(try pendingTimer(clarified, "feedback-clarification"), "2026-12-15 17:00", "10 working days")
        XCTAssertEqual(try pendingTimer(clarified, "feedback-acceptance"), nil)
        _ = try await update(clarified, .clarified, "clarified") {
            try followUp(clarified, .clarify, key: "lr-\(clarified)", text: "Chi bộ số 3, tháng 11.", on: channel)
        }
        XCTAssertEqual(try itemStatus(clarified), "received")
        XCTAssertEqual(try pendingTimer(clarified, "feedback-acceptance"), "2026-12-08 17:00")
        // A second clarification the item did not ask for is refused.
        let unasked = try await update(clarified, .followUpRefused, "unasked clarification") {
            try followUp(clarified, .clarify, key: "lr2-\(clarified)", text: "Thêm nữa", on: channel)
        }
        XCTAssertEqual(unasked.refusalCode, "no-clarification-requested")

        // Not answered: paused after 10 working days, resumed by a late clarification.
        let paused = try item(2, "Đề nghị xem lại việc xếp loại đảng viên năm nay.")
        try await expectAct(200, paused, as: grassroots, ["decision": "request-clarification", "text": "Đồng chí bổ sung căn cứ."])
        // Reclassified meanwhile by the organisation in charge, audited: the level above takes it.
        let superior = try XCTUnwrap(try chain(from: grassroots).dropFirst().first)
        let moved = try await update(paused, .reclassified, "reclassified") {
            try await expectAct(200, paused, as: grassroots, ["decision": "reclassify", "topic": "to-chuc-can-bo", "text": "Thuộc lĩnh vực tổ chức"])
        }
        XCTAssertEqual([moved.organisationCode, moved.topic, moved.alsoTold?.first], [superior, "to-chuc-can-bo", grassroots])
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM routing.audit_log WHERE dossier_code = $1 AND action = 'decide-feedback' AND allowed
            """, [paused]), 2)
        _ = try await update(paused, .paused, "paused without clarification") { try clock.set("2026-12-15 17:05") }
        _ = try await update(paused, .clarified, "resumed") {
            try followUp(paused, .clarify, key: "lr-\(paused)", text: "Căn cứ Quy định 124.", on: channel)
        }
        XCTAssertEqual(try itemStatus(paused), "received")

        // Withdrawn before acceptance: confirmed at once (within the 3 working days of Đ.11.4).
        let withdrawn = try item(3, "Phản ánh về việc thu đảng phí chưa đúng mức.")
        let confirmation = try await update(withdrawn, .withdrawn, "withdrawn") {
            try followUp(withdrawn, .withdraw, key: "rut-\(withdrawn)", text: "Chi bộ đã giải thích", on: channel)
        }
        XCTAssertEqual(confirmation.status, .withdrawn)
        try await expectAct(409, withdrawn, as: grassroots, ["decision": "accept"])

        // Refused with a reason, within the acceptance window; not without one.
        let refused = try item(4, "Đề nghị cho phép sinh hoạt ghép với chi bộ khác.")
        try await expectAct(422, refused, as: grassroots, ["decision": "refuse"])
        let refusal = try await update(refused, .refused, "refused") {
            try await expectAct(200, refused, as: grassroots, ["decision": "refuse", "text": "Không thuộc thẩm quyền."])
        }
        XCTAssertEqual(refusal.reason, "Không thuộc thẩm quyền.")
        try TestEnvironment.eventually("the member reads the reason") { try self.notices(refused, to: "member").contains("Không thuộc thẩm quyền") }

        // Over HTTP with a document uploaded first (procedure PAKN, component TL): submitted (the same
        // key again is the same item), followed up, followed on the status desk.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pakn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let proposal = Array("%PDF-1.4\n% De xuat so hoa ho so dang vien \(cell)\n%%EOF\n".utf8)
        let document = try upload(proposal, component: "TL", fileName: "de-xuat.pdf", for: member, in: folder,
                                                         procedure: FeedbackRules.attachmentProcedure).reference
        let body: [String: Any] = ["sender": ["kind": "member", "memberId": member.memberId, "organisationCode": cell, "fullName": member.fullName],
                                   "kind": "sang-kien", "system": "science-technology", "topic": "khoa-hoc-cong-nghe",
                                   "title": "Sáng kiến số hóa hồ sơ đảng viên", "text": "Đề xuất quét và ký số hồ sơ gốc của đảng viên.",
                                   "publicationConsent": false,
                                   "attachments": [["componentCode": "TL", "fileName": "de-xuat.pdf", "documentId": document.documentId,
                                                    "mediaType": "application/pdf", "sizeBytes": proposal.count, "sha256": document.sha256]]]
        let created = try http("/v1/feedback", key: "http-\(cell)", body)
        XCTAssertEqual(created.status, 201, created.body)
        XCTAssertEqual(try http("/v1/feedback", key: "http-\(cell)", body).status, 200)
        let code = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["paknCode"] as? String)
        let province = try XCTUnwrap(try chain(from: cell).first { try kind(of: $0) == "province" })
        try TestEnvironment.eventually("science items go to the province") {
            try TestEnvironment.value("SELECT organisation_code FROM routing.feedback_items WHERE code = $1", [code]) == province
        }
        // The province in charge reads the attachment at archive; the member's cell does not.
        let archive = "http://127.0.0.1:\(SystemHarness.ports["archive"]!)/v1/documents/\(document.documentId)"
        let provinceToken = try await token(province), cellToken = try await token(cell)
        try TestEnvironment.eventually("the province reads the attachment") {
            try HTTPProbe.get(archive, headers: ["Authorization": "Bearer \(provinceToken)"])?.status == 200
        }
        XCTAssertEqual(try HTTPProbe.get(archive, headers: ["Authorization": "Bearer \(cellToken)"])?.status, 403)
        let rating = try http("/v1/feedback/\(code)/follow-ups", key: "http-rate-\(cell)", ["action": "rate", "rating": 9])
        XCTAssertEqual(rating.status, 422, rating.body)
        XCTAssertTrue(rating.body.contains("feedback-rating-out-of-range"), rating.body)
        XCTAssertEqual(try http("/v1/feedback/PAKN.2026.999999/follow-ups", key: "http-x-\(cell)", ["action": "withdraw", "text": "x"]).status, 404)
        let withdrawal = try http("/v1/feedback/\(code)/follow-ups", key: "http-rut-\(cell)", ["action": "withdraw", "text": "Gửi nhầm"])
        XCTAssertEqual(withdrawal.status, 202, withdrawal.body)
        try TestEnvironment.eventually("withdrawn over HTTP") { try self.itemStatus(code) == "withdrawn" }
        try TestEnvironment.eventually("the status desk shows it") {
            let anyone = try HTTPProbe.get("\(self.intake)/v1/feedback/\(code)")
            let integrator = try HTTPProbe.get("\(self.intake)/v1/feedback/\(code)", headers: ["Authorization": "Bearer portal-test-token"])
            return anyone?.body.contains(#""status":"withdrawn""#) == true && anyone?.body.contains("history") == false
                && integrator?.body.contains("Gửi nhầm") == true
        }
        XCTAssertEqual(try HTTPProbe.get("\(intake)/v1/feedback/\(code)", headers: ["Authorization": "Bearer portal-demo-token"])?.status, 403)
        // The integrator heard every update of its items on its feed.
        try feed.read { _ in feed.events(of: code).count >= 2 && feed.events(of: refused).count >= 2 }
        XCTAssertTrue(feed.events.allSatisfy { $0.type == "portal-test.\(MessageType.feedbackUpdated.routingKey)" })

        // An organisation as the sender: it reads the notices in its own inbox.
        var fromOrganisation = feedback(member, organisation: cell, key: "pakn-org-\(cell)", text: "Đề nghị bổ sung tài liệu sinh hoạt chuyên đề.")
        fromOrganisation.sender = FeedbackSender(kind: .organisation, organisationCode: cell, fullName: "Chi bộ thử nghiệm")
        let organisationItem = try received(fromOrganisation, on: channel).paknCode
        // Not in charge of its own petition: the field's level is sought from its parent up.
        try TestEnvironment.eventually("the organisation's item is assigned above it") {
            try TestEnvironment.value("SELECT organisation_code FROM routing.feedback_items WHERE code = $1", [organisationItem])
                == (try self.chain(from: cell).first { try self.kind(of: $0) == "superior" })
        }
        try TestEnvironment.eventually("the sending organisation's receipt notice") {
            try self.notices(organisationItem, to: "organisation").contains("\(cell): ")
        }
    }
}
