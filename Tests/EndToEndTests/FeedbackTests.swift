import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Feedback and petitions (PAKN, Đ.38; Quy chế 03-QC/BCĐTW) end to end on the controllable clock:
/// received with a code, checked, deduplicated, classified to the competent organisation, and each
/// time limit on its durable timer.
final class FeedbackTests: XCTestCase, FeedbackScenario {
    static let textOnTime = "Đề nghị rút ngắn thời gian giải quyết thủ tục chuyển sinh hoạt đảng chính thức tại đảng ủy phường, hiện nay mất hơn một tháng."
    static let textLate = "Kiến nghị hướng dẫn cụ thể việc nộp đảng phí trực tuyến cho đảng viên cao tuổi, nhiều đồng chí chưa sử dụng được ứng dụng."

    /// On time, extended, answered, published, rated and appealed once to the level above; a
    /// duplicate linked; a late item with its three status updates; an appeal out of time.
    func testAnsweredOnTimeExtendedRatedAppealedAndLateWithThreeStatusUpdates() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")
        let member = try startSystem(system, environment: clock.environment)
        let channel = try IntakeTests.ReplyChannel()
        let cell = system.organisation

        // Bad input: every problem in one rejection, nothing received.
        var bad = feedback(member, organisation: "KHONGCO.CB01", key: "pakn-bad-\(cell)", topic: "khong-co", title: " ", text: "")
        bad.sender.fullName = ""
        let rejected = try submitFeedback(bad, on: channel)
        XCTAssertEqual(rejected.type, MessageType.dossierRejected.cloudEventType)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: rejected.body).data.problems.map(\.code),
                       ["feedback-title-required", "feedback-text-required", "unknown-feedback-topic", "feedback-sender-name-required",
                        "unknown-organisation"])
        let oversized = try submitFeedback(feedback(member, organisation: cell, key: "pakn-big-\(cell)", topic: "khong-co",
                                                    text: String(repeating: "Dài quá. ", count: 500)), on: channel)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: oversized.body).data.problems.map(\.code),
                       ["too-long", "unknown-feedback-topic"], "the wire limit (4,000 characters), then the rules on the other fields")

        // Received with a code; classified by its field to the superior committee above the member's grassroots.
        let superior = try XCTUnwrap(try chain(from: cell).first { try kind(of: $0) == "superior" })
        let above = try XCTUnwrap(try chain(from: superior).dropFirst().first)
        let onTime = try received(feedback(member, organisation: cell, key: "pakn-1-\(cell)", text: Self.textOnTime), on: channel)
        XCTAssertTrue(onTime.paknCode.hasPrefix("PAKN.2026."), onTime.paknCode)
        XCTAssertNil(onTime.duplicateOf)
        let code = onTime.paknCode
        try TestEnvironment.eventually("assigned to the superior committee") {
            try TestEnvironment.value("SELECT status || ' ' || organisation_code FROM routing.feedback_items WHERE code = $1", [code])
                == "received \(superior)"
        }
        // The same request again: the first receipt; the same text retyped without accents: a duplicate, linked.
        XCTAssertEqual(try received(feedback(member, organisation: cell, key: "pakn-1-\(cell)", text: Self.textOnTime), on: channel), onTime)
        let retyped = FeedbackSimilarity.words(Self.textOnTime).joined(separator: " ")
        let duplicate = try received(feedback(member, organisation: cell, key: "pakn-2-\(cell)", text: retyped), on: channel)
        XCTAssertEqual(duplicate.duplicateOf, code)
        try TestEnvironment.eventually("linked, not handled") {
            try TestEnvironment.value("SELECT first_code FROM routing.feedback_duplicates WHERE code = $1", [duplicate.paknCode]) == code
        }
        XCTAssertNil(try itemStatus(duplicate.paknCode))
        // Followed up on the first item, not on the duplicate.
        _ = try channel.send(FeedbackFollowUpV1(paknCode: duplicate.paknCode, clientSubmissionId: "rut-\(duplicate.paknCode)",
                                                action: .withdraw, text: "Gửi trùng"), type: .feedbackFollowUp)
        let linked = try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: try channel.replies(1)[0].body).data
        XCTAssertEqual(linked.problems.map(\.code), ["feedback-linked"])
        let late = try received(feedback(member, organisation: cell, key: "pakn-3-\(cell)", topic: "dang-phi", text: Self.textLate),
                                on: channel).paknCode
        let grassroots = try XCTUnwrap(try chain(from: cell).first { try kind(of: $0) == "grassroots" })
        try TestEnvironment.eventually("the dues item goes to the grassroots organisation") {
            try TestEnvironment.value("SELECT organisation_code FROM routing.feedback_items WHERE code = $1", [late]) == grassroots
        }

        // Only the organisation in charge acts; another one's answer is refused and audited.
        let stranger = try await act(code, as: cell, ["decision": "answer", "text": "Trả lời của tổ chức khác"])
        XCTAssertEqual(stranger.status, 403, stranger.body)
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM routing.audit_log WHERE dossier_code = $1 AND action = 'decide-feedback' AND NOT allowed
            """, [code]), 1)
        let accepted = try await update(code, .accepted, "accepted") {
            try await expectAct(200, code, as: superior, ["decision": "accept"])
        }
        XCTAssertEqual(accepted.answerDue.map(VietnamTime.display), "17:00 13/01/2027", "30 working days, 1 January off")
        // Accepted: a withdrawal is refused with the reason.
        let refusedWithdrawal = try await update(code, .followUpRefused, "withdrawal refused") {
            XCTAssertEqual(try followUp(code, .withdraw, key: "rut-\(code)", text: "Không cần nữa", on: channel),
                           MessageType.feedbackFollowUpReceived.cloudEventType)
        }
        XCTAssertEqual([refusedWithdrawal.refusalCode, refusedWithdrawal.followUp?.rawValue], ["withdrawal-after-acceptance", "withdraw"])
        // One extension with a reason; a second is refused.
        let extended = try await update(code, .extended, "extended") {
            try await expectAct(200, code, as: superior, ["decision": "extend", "days": 20, "text": "Cần xin ý kiến cấp trên"])
        }
        XCTAssertEqual(extended.answerDue.map(VietnamTime.display), "17:00 02/02/2027")
        try await expectAct(409, code, as: superior, ["decision": "extend", "days": 5, "text": "Lần nữa"])
        try await expectAct(422, code, as: superior, ["decision": "answer"])
        let answered = try await update(code, .answered, "answered") {
            try await expectAct(200, code, as: superior, ["decision": "answer", "publish": true,
                                                                "text": "Đảng ủy đã chỉ đạo giải quyết trong 5 ngày làm việc kể từ tháng 12."])
        }
        XCTAssertEqual(answered.published, true)
        // Published and searchable, typed without accents.
        try TestEnvironment.eventually("the answer is published") {
            let found = try HTTPProbe.get("\(self.intake)/v1/feedback-answers?q=dang%20uy%20chi%20dao")
            return found?.status == 200 && found?.body.contains(code) == true
        }
        let status = try XCTUnwrap(HTTPProbe.get("\(intake)/v1/feedback/\(code)"))
        XCTAssertTrue(status.body.contains(#""status":"answered""#) && !status.body.contains("history"), status.body)
        // Rated once; appealed once, to the level above, which answers finally.
        _ = try await update(code, .rated, "rated") { try followUp(code, .rate, key: "dg-\(code)", rating: 2, on: channel) }
        let twice = try await update(code, .followUpRefused, "second rating") { try followUp(code, .rate, key: "dg2-\(code)", rating: 5, on: channel) }
        XCTAssertEqual(twice.refusalCode, "already-rated")
        let appealed = try await update(code, .appealed, "appealed") {
            try followUp(code, .appeal, key: "kn-\(code)", text: "Câu trả lời chưa thỏa đáng", on: channel)
        }
        XCTAssertEqual([appealed.organisationCode, appealed.alsoTold?.first], [above, superior])
        let second = try await update(code, .followUpRefused, "second appeal") {
            try followUp(code, .appeal, key: "kn2-\(code)", text: "Lần hai", on: channel)
        }
        XCTAssertEqual(second.refusalCode, "appeal-already-made")
        try await expectAct(403, code, as: superior, ["decision": "answer", "text": "Không còn phụ trách"])
        let final = try await update(code, .answered, "the level above answers") {
            try await expectAct(200, code, as: above, ["decision": "answer", "text": "Giữ nguyên câu trả lời."])
        }
        XCTAssertEqual(final.status, .closed)
        // The member heard each step; the organisations what they had to act on.
        try TestEnvironment.eventually("the member's notices") {
            let texts = try self.notices(code, to: "member")
            return texts.contains(code) && texts.contains("Cần xin ý kiến cấp trên") && texts.contains("Giữ nguyên câu trả lời")
        }
        try TestEnvironment.eventually("the organisations' notices") {
            let texts = try self.notices(code, to: "organisation")
            return texts.contains("\(superior): ") && texts.contains("\(above): ")
        }

        // The late item: accepted when nobody decided within 5 working days, reminded to keep its
        // status current, late at its deadline, then three status updates 5 working days apart.
        XCTAssertEqual(try pendingTimer(late, "feedback-acceptance"), "2026-12-08 17:00")
        _ = try await update(late, .progressDue, "progress reminder after 3 days") { try clock.set("2026-12-04 09:30") }
        _ = try await update(late, .accepted, "accepted by the deadline") { try clock.set("2026-12-08 17:05") }
        let due = try XCTUnwrap(try pendingTimer(late, "feedback-answer-due"))
        XCTAssertEqual(due, "2027-01-13 17:00")
        let overdue = try await update(late, .overdue, "overdue") { try clock.set("2027-01-13 17:05") }
        XCTAssertEqual(overdue.alsoTold, [try XCTUnwrap(try chain(from: grassroots).dropFirst().first)], "the superior hears")
        var updates: [Int] = []
        while let next = try pendingTimer(late, "feedback-late-update") {
            let update = try await update(late, .lateStatusUpdate, "late update \(updates.count + 1)") {
                try clock.set(next.replacingOccurrences(of: "17:00", with: "17:05"))
            }
            updates.append(try XCTUnwrap(update.lateUpdate))
        }
        XCTAssertEqual(updates, [1, 2, 3])
        try TestEnvironment.eventually("the sender heard the three updates") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM notification.notices WHERE dossier_code = $1 AND recipient_kind = 'member'
                    AND text LIKE '%tình hình giải quyết (lần%'
                """, [late]) >= 3
        }
        _ = try await update(late, .answered, "answered late") {
            try await expectAct(200, late, as: grassroots, ["decision": "answer", "text": "Chi bộ sẽ hướng dẫn trực tiếp."])
        }
        let appealBy = try XCTUnwrap(try pendingTimer(late, "feedback-appeal-window"))
        _ = try await update(late, .closed, "closed after the appeal window") {
            try clock.set(appealBy.replacingOccurrences(of: "17:00", with: "17:05"))
        }
        let outOfTime = try await update(late, .followUpRefused, "appeal out of time") {
            try followUp(late, .appeal, key: "kn-\(late)", text: "Quá hạn", on: channel)
        }
        XCTAssertEqual(outOfTime.refusalCode, "appeal-window-passed")

        // Evaluation figures (Đ.37.2) include PAKN.
        let grassrootsToken = try await token(grassroots), superiorToken = try await token(superior), cellToken = try await token(cell)
        let figures = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(grassroots)/feedback-figures?from=2026-12-01&to=2026-12-31",
                                                  headers: ["Authorization": "Bearer \(grassrootsToken)"]))
        XCTAssertEqual(figures.status, 200, figures.body)
        let parsed = try JSONSerialization.jsonObject(with: Data(figures.body.utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["received"] as? Int, 1)
        XCTAssertEqual(parsed?["answeredLate"] as? Int, 1)
        let superiorFigures = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(superior)/feedback-figures",
                                                          headers: ["Authorization": "Bearer \(superiorToken)"]))
        let superiorParsed = try JSONSerialization.jsonObject(with: Data(superiorFigures.body.utf8)) as? [String: Any]
        XCTAssertEqual([superiorParsed?["answeredOnTime"] as? Int, superiorParsed?["rated"] as? Int], [1, 1], superiorFigures.body)
        XCTAssertEqual(try HTTPProbe.get("\(routing)/v1/organisations/\(superior)/feedback-figures",
                                         headers: ["Authorization": "Bearer \(cellToken)"])?.status, 403)
    }
}
