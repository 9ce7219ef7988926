import Contracts
import Foundation
import RoutingRules
import XCTest

/// The PAKN item's lifecycle without clock or database; a "working day" is a plain day here, so
/// that each limit of the rules can be read off the dates.
final class FeedbackLifecycleTests: XCTestCase {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func day(_ n: Int) -> Date { start.addingTimeInterval(Double(n) * 86_400) }

    func lifecycle(_ system: FeedbackSystem = .partyProcedures) throws -> FeedbackLifecycle {
        FeedbackLifecycle(limits: try FeedbackRules.bundled().limits, system: system) { days, from in
            from.addingTimeInterval(Double(days) * 86_400)
        }
    }

    func refusal(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch let refusal as FeedbackRefusal { return refusal.code } catch { return "\(error)" }
    }

    func testAcceptedByTheDeadlineAnsweredAndClosedAfterTheAppealWindow() throws {
        let life = try lifecycle()
        let received = try life.received(organisation: "A", at: start)
        XCTAssertEqual(received.change, .assigned)
        XCTAssertEqual(received.arm[.acceptance], day(5))
        XCTAssertEqual(received.arm[.progress], day(3), "status kept current at least every 3 days (Đ.38.4)")
        // Nobody decided within 5 working days: accepted, the answer due 30 working days from receipt.
        let accepted = try life.apply(.acceptanceWindowPassed, to: received.state, at: day(5))
        XCTAssertEqual(accepted.state.status, .handling)
        XCTAssertEqual(accepted.state.answerDue, day(30))
        let answered = try life.apply(.answer(text: "Trả lời"), to: accepted.state, at: day(20))
        XCTAssertEqual(answered.state.status, .answered)
        XCTAssertEqual(answered.arm[.appealWindow], day(35))
        XCTAssertTrue(answered.cancel.contains(.answerDue) && answered.cancel.contains(.progress))
        let closed = try life.apply(.appealWindowPassed, to: answered.state, at: day(35))
        XCTAssertEqual(closed.state.status, .closed)
        XCTAssertEqual(refusal { try life.apply(.appeal(reason: "x", to: "P"), to: closed.state, at: day(36)) }, "appeal-window-passed")
        // The acceptance window firing after an officer accepted changes nothing.
        XCTAssertNil(try life.apply(.acceptanceWindowPassed, to: accepted.state, at: day(5)).change)
    }

    func testScienceAndTechnologyItemsAreAnsweredWithin15WorkingDays() throws {
        let life = try lifecycle(.scienceTechnology)
        let accepted = try life.apply(.accept, to: try life.received(organisation: "A", at: start).state, at: day(1))
        XCTAssertEqual(accepted.state.answerDue, day(15))
    }

    func testLateItemsSendThreeStatusUpdatesFiveWorkingDaysApart() throws {
        let life = try lifecycle()
        var state = try life.apply(.accept, to: try life.received(organisation: "A", at: start).state, at: day(1)).state
        let overdue = try life.apply(.answerDeadlinePassed, to: state, at: day(30))
        XCTAssertEqual(overdue.change, .overdue)
        XCTAssertEqual(overdue.arm[.lateUpdate], day(35))
        state = overdue.state
        var updates: [Int] = []
        var at = 35
        while true {
            let update = try life.apply(.lateUpdateDue, to: state, at: day(at))
            guard update.change == .lateStatusUpdate else { break }
            updates.append(update.state.lateUpdates)
            state = update.state
            guard let next = update.arm[.lateUpdate] else { break }
            XCTAssertEqual(next, day(at + 5))
            at += 5
        }
        XCTAssertEqual(updates, [1, 2, 3], "at most 3 times (Quy chế 03 Đ.13.2)")
        XCTAssertNil(try life.apply(.lateUpdateDue, to: state, at: day(60)).change)
    }

    func testOneExtensionOfAtMost30DaysWithAReason() throws {
        let life = try lifecycle()
        let state = try life.apply(.accept, to: try life.received(organisation: "A", at: start).state, at: day(1)).state
        XCTAssertEqual(refusal { try life.apply(.extend(days: 31, reason: "x"), to: state, at: day(10)) }, "extension-too-long")
        let extended = try life.apply(.extend(days: 30, reason: "Phức tạp"), to: state, at: day(10))
        XCTAssertEqual(extended.state.answerDue, day(60))
        XCTAssertEqual(refusal { try life.apply(.extend(days: 5, reason: "x"), to: extended.state, at: day(11)) }, "already-extended")
        // Not once late: an extension would hide the lateness from the figures.
        let late = try life.apply(.answerDeadlinePassed, to: state, at: day(30)).state
        XCTAssertEqual(refusal { try life.apply(.extend(days: 5, reason: "x"), to: late, at: day(31)) }, "deadline-passed")
    }

    func testClarificationAnsweredRestartsTheClockAndUnansweredPauses() throws {
        let life = try lifecycle()
        let received = try life.received(organisation: "A", at: start).state
        let asked = try life.apply(.requestClarification(question: "?"), to: received, at: day(2))
        XCTAssertEqual(asked.state.status, .awaitingClarification)
        XCTAssertEqual(asked.arm[.clarification], day(12), "the sender has 10 working days (Đ.11.2)")
        let paused = try life.apply(.clarificationExpired, to: asked.state, at: day(12))
        XCTAssertEqual(paused.state.status, .paused)
        let clarified = try life.apply(.clarify(text: "Bổ sung"), to: paused.state, at: day(20))
        XCTAssertEqual(clarified.state.status, .received)
        XCTAssertEqual(clarified.state.completeAt, day(20))
        let accepted = try life.apply(.accept, to: clarified.state, at: day(21))
        XCTAssertEqual(accepted.state.answerDue, day(50), "30 working days from complete information (Đ.38.3)")
        XCTAssertEqual(refusal { try life.apply(.clarify(text: "x"), to: accepted.state, at: day(22)) }, "no-clarification-requested")
        // Asked once: each request would restart the acceptance window.
        XCTAssertEqual(refusal { try life.apply(.requestClarification(question: "?"), to: clarified.state, at: day(21)) },
                       "clarification-already-requested")
        // The organisation owes no progress while it waits for the sender.
        XCTAssertEqual(asked.cancel.contains(.progress), true)
        XCTAssertNil(try life.apply(.progressDue, to: paused.state, at: day(15)).change)
    }

    func testWithdrawalOnlyBeforeAcceptanceAndRefusalOnlyBeforeIt() throws {
        let life = try lifecycle()
        let received = try life.received(organisation: "A", at: start).state
        XCTAssertEqual(try life.apply(.withdraw(reason: "Đã giải quyết"), to: received, at: day(1)).state.status, .withdrawn)
        let accepted = try life.apply(.accept, to: received, at: day(1)).state
        XCTAssertEqual(refusal { try life.apply(.withdraw(reason: "x"), to: accepted, at: day(2)) }, "withdrawal-after-acceptance")
        XCTAssertEqual(refusal { try life.apply(.refuse(reason: "x"), to: accepted, at: day(2)) }, "refusal-window-passed")
        let refused = try life.apply(.refuse(reason: "Không thuộc thẩm quyền"), to: received, at: day(1))
        XCTAssertEqual(refused.state.status, .refused)
        XCTAssertEqual(refused.cancel, Set(FeedbackTimer.allCases))
    }

    func testRatedOnceAndAppealedOnceToTheLevelAbove() throws {
        let life = try lifecycle()
        var state = try life.apply(.accept, to: try life.received(organisation: "A", at: start).state, at: day(1)).state
        XCTAssertEqual(refusal { try life.apply(.rate(4), to: state, at: day(2)) }, "not-answered-yet")
        state = try life.apply(.answer(text: "Trả lời"), to: state, at: day(10)).state
        state = try life.apply(.rate(2), to: state, at: day(11)).state
        XCTAssertEqual(refusal { try life.apply(.rate(5), to: state, at: day(11)) }, "already-rated")
        let appealed = try life.apply(.appeal(reason: "Chưa thỏa đáng", to: "P"), to: state, at: day(12))
        XCTAssertEqual([appealed.state.status.rawValue, appealed.state.organisation], ["appealed", "P"])
        XCTAssertEqual(appealed.state.answerDue, day(42))
        XCTAssertEqual(refusal { try life.apply(.appeal(reason: "x", to: "Q"), to: appealed.state, at: day(13)) }, "appeal-already-made")
        let final = try life.apply(.answer(text: "Trả lời lại"), to: appealed.state, at: day(20))
        XCTAssertEqual(final.state.status, .closed)
        XCTAssertEqual(final.state.answeredBy, "P")
        XCTAssertEqual(refusal { try life.apply(.appeal(reason: "x", to: "Q"), to: final.state, at: day(21)) }, "appeal-already-made")
        XCTAssertEqual(try life.apply(.rate(4), to: final.state, at: day(21)).change, .rated, "the final answer may be rated")
        // No level above: refused as such, after the checks that say more.
        XCTAssertEqual(refusal { try life.apply(.appeal(reason: "x", to: nil), to: state, at: day(12)) }, "no-level-above")
        XCTAssertEqual(refusal { try life.apply(.appeal(reason: "x", to: nil), to: appealed.state, at: day(13)) }, "appeal-already-made")
    }
}
