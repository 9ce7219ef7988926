import Contracts
import XCTest

/// The PAKN rules as shipped, the checks of a submission and the duplicate rule.
final class FeedbackRulesTests: XCTestCase {
    func submission(topic: String = "thu-tuc-hanh-chinh", system: FeedbackSystem = .partyProcedures, title: String = "Thủ tục chậm",
                    text: String = "Nội dung") -> FeedbackSubmitV1 {
        FeedbackSubmitV1(clientSubmissionId: "k1", sender: FeedbackSender(kind: .member, memberId: "M1", organisationCode: "O1", fullName: "A"),
                         kind: .petition, system: system, topic: topic, title: title, text: text, publicationConsent: true)
    }

    func testTheShippedRulesHoldTheRegulationsLimits() throws {
        let rules = try FeedbackRules.bundled()
        XCTAssertEqual(rules.limits.answerWorkingDays(for: .partyProcedures), 30)
        XCTAssertEqual(rules.limits.answerWorkingDays(for: .scienceTechnology), 15)
        XCTAssertEqual([rules.limits.acceptanceWorkingDays, rules.limits.clarificationReplyWorkingDays, rules.limits.extensionMaxDays,
                        rules.limits.lateUpdateEveryWorkingDays, rules.limits.lateUpdatesMax, rules.limits.progressEveryDays,
                        rules.limits.appealWorkingDays], [5, 10, 30, 5, 3, 3, 15])
        XCTAssertTrue(rules.topics.contains { $0.systems.contains(.scienceTechnology) })
    }

    func testEveryProblemOfASubmissionIsListed() throws {
        let rules = try FeedbackRules.bundled()
        XCTAssertEqual(rules.problems(in: submission()), [])
        XCTAssertEqual(rules.problems(in: submission(topic: "khong-co", title: " ", text: "")).map(\.code),
                       ["feedback-title-required", "feedback-text-required", "unknown-feedback-topic"])
        XCTAssertEqual(rules.problems(in: submission(topic: "khoa-hoc-cong-nghe", text: String(repeating: "a", count: 4001))).map(\.code),
                       ["feedback-text-too-long", "feedback-topic-not-in-system"])
    }

    func testSubstantiallyTheSameTextIsADuplicateWhateverItsAccentsAndPunctuation() {
        let first = "Đề nghị rút ngắn thời gian giải quyết thủ tục chuyển sinh hoạt đảng chính thức tại đảng ủy phường, hiện nay mất hơn một tháng."
        let retyped = "de nghi rut ngan thoi gian giai quyet thu tuc chuyen sinh hoat dang chinh thuc tai dang uy phuong; hien nay mat hon mot thang"
        let other = "Kiến nghị bổ sung hướng dẫn nộp đảng phí trực tuyến cho đảng viên lớn tuổi, nhiều người chưa biết dùng ứng dụng."
        let a = FeedbackSimilarity.shingles(first), b = FeedbackSimilarity.shingles(retyped), c = FeedbackSimilarity.shingles(other)
        XCTAssertEqual(FeedbackSimilarity.similarity(a, b), 1)
        XCTAssertLessThan(FeedbackSimilarity.similarity(a, c), 0.1)
        // One word changed in 22: still the same item (19 of 22 shingles shared... above 0.8 only when little changed).
        let edited = first.replacingOccurrences(of: "một tháng", with: "hai tháng")
        XCTAssertGreaterThanOrEqual(FeedbackSimilarity.similarity(a, FeedbackSimilarity.shingles(edited)), 0.8)
        XCTAssertEqual(FeedbackSimilarity.words("Đảng ủy, PHƯỜNG!"), ["dang", "uy", "phuong"])
    }
}
