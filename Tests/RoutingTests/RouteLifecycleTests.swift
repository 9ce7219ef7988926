import Contracts
import RoutingRules
import XCTest

/// The route lifecycle without clock or database: which step is current, what each decision does,
/// when the route waits, and which decisions are refused before anything changes.
final class RouteLifecycleTests: XCTestCase {
    func planned(_ number: Int, _ organisation: String, action: String = "review", dues: Bool = false) -> PlannedStep {
        PlannedStep(number: number, code: "S\(number)", name: "Bước \(number)", organisationCode: organisation, role: "cell",
                    action: action, workingDays: 3, needsDuesStatus: dues, campaignDeadlineField: nil)
    }

    func newRoute() -> RouteLifecycle {
        RouteLifecycle(dossierCode: "D1", status: .planning, currentStep: nil, duesReported: false, steps: [])
    }

    func testStartCompletesTheRequestStepAndAssignsTheNext() {
        var route = newRoute()
        let events = route.start([planned(1, "A", action: "request"), planned(2, "B"), planned(3, "C")])
        XCTAssertEqual(events, [.sentWithRequest(step: 1), .assigned(step: 2)])
        XCTAssertEqual(route.status, .inProgress)
        XCTAssertEqual(route.currentStep, 2)
        XCTAssertEqual(route.steps.map(\.status), [.automatic, .assigned, .waiting])
    }

    /// Party dues: the member's `pay` step waits for payment, no organisation can decide it, and the
    /// chi bộ's recording step follows (the same chi bộ twice in a row, unlike decisions).
    func testAPayStepWaitsForPaymentAndThenTheChiBoRecords() throws {
        var route = newRoute()
        XCTAssertEqual(route.start([planned(1, "A", action: "pay"), planned(2, "A", action: "record")]), [.awaitingPayment(step: 1)])
        XCTAssertEqual(route.status, .awaitingPayment)
        XCTAssertThrowsError(try route.decide(step: 1, .approve, by: "A", reason: nil)) {
            XCTAssertEqual($0 as? DecisionRefusal, .stepNotCurrent("D1", 1))
        }
        XCTAssertEqual(route.paymentCompleted(), [.paid(step: 1), .assigned(step: 2)])
        XCTAssertEqual(route.paymentCompleted(), [], "a repeated confirmation changes nothing")
        XCTAssertEqual(route.steps.map(\.status), [.approved, .assigned])
        XCTAssertEqual(try route.decide(step: 2, .approve, by: "A", reason: nil), [.decided(step: 2, .approved), .completed])
        var withdrawn = newRoute()
        _ = withdrawn.start([planned(1, "A", action: "pay"), planned(2, "A", action: "record")])
        XCTAssertEqual(withdrawn.withdraw(), [.withdrawn])
        XCTAssertEqual(withdrawn.paymentCompleted(), [], "a withdrawn route does not go on")
    }

    func testApprovingEveryStepCompletesTheRoute() throws {
        var route = newRoute()
        _ = route.start([planned(1, "A"), planned(2, "B")])
        XCTAssertEqual(try route.decide(step: 1, .approve, by: "A", reason: nil), [.decided(step: 1, .approved), .assigned(step: 2)])
        XCTAssertEqual(try route.decide(step: 2, .forward, by: "B", reason: nil), [.decided(step: 2, .approved), .completed])
        XCTAssertEqual(route.status, .decided)
    }

    func testRefusalEndsTheRouteAndNeedsAReason() throws {
        var route = newRoute()
        _ = route.start([planned(1, "A"), planned(2, "B")])
        XCTAssertThrowsError(try route.decide(step: 1, .refuse, by: "A", reason: "  ")) {
            XCTAssertEqual($0 as? DecisionRefusal, .reasonRequired)
        }
        XCTAssertEqual(route.steps[0].status, .assigned, "a refused decision changes nothing")
        XCTAssertEqual(try route.decide(step: 1, .refuse, by: "A", reason: "Không đủ điều kiện"),
                       [.decided(step: 1, .refused), .refused(step: 1)])
        XCTAssertEqual(route.status, .decided)
        XCTAssertThrowsError(try route.decide(step: 2, .approve, by: "B", reason: nil)) {
            XCTAssertEqual($0 as? DecisionRefusal, .stepNotCurrent("D1", 2))
        }
    }

    func testOnlyTheCurrentStepsOrganisationDecides() {
        var route = newRoute()
        _ = route.start([planned(1, "A"), planned(2, "B")])
        XCTAssertThrowsError(try route.decide(step: 1, .approve, by: "B", reason: nil)) {
            XCTAssertEqual($0 as? DecisionRefusal, .wrongOrganisation("A"))
        }
        XCTAssertThrowsError(try route.decide(step: 2, .approve, by: "B", reason: nil)) {
            XCTAssertEqual($0 as? DecisionRefusal, .stepNotCurrent("D1", 2))
        }
    }

    func testReturnedRouteResumesAtTheReturningStep() throws {
        var route = newRoute()
        _ = route.start([planned(1, "A"), planned(2, "B")])
        _ = try route.decide(step: 1, .approve, by: "A", reason: nil)
        XCTAssertEqual(try route.decide(step: 2, .returnForSupplement, by: "B", reason: "Thiếu bản tự kiểm điểm"),
                       [.decided(step: 2, .returned), .returnedForSupplement(step: 2)])
        XCTAssertEqual(route.status, .returned)
        XCTAssertThrowsError(try route.decide(step: 2, .approve, by: "B", reason: nil), "not current while returned")
        XCTAssertEqual(route.resume(), [.resumed(step: 2), .assigned(step: 2)])
        XCTAssertEqual(route.status, .inProgress)
        XCTAssertEqual(route.resume(), [], "resuming a route that is not returned changes nothing")
    }

    func testTheLetterStepWaitsForTheDuesStatus() throws {
        var route = newRoute()
        XCTAssertEqual(route.start([planned(1, "A"), planned(2, "B", dues: true)]), [.assigned(step: 1)])
        XCTAssertEqual(try route.decide(step: 1, .approve, by: "A", reason: nil),
                       [.decided(step: 1, .approved), .awaitingDuesStatus(step: 2)])
        XCTAssertEqual(route.status, .awaitingDuesStatus)
        XCTAssertThrowsError(try route.decide(step: 2, .approve, by: "B", reason: nil))
        XCTAssertEqual(route.duesStatusReported(), [.assigned(step: 2)])
        XCTAssertEqual(try route.decide(step: 2, .approve, by: "B", reason: nil), [.decided(step: 2, .approved), .completed])
    }

    func testDuesStatusBeforeTheLetterStepIsKeptAndNothingWaits() throws {
        var route = newRoute()
        _ = route.start([planned(1, "A"), planned(2, "B", dues: true)])
        XCTAssertEqual(route.duesStatusReported(), [], "the first step is still with A")
        XCTAssertEqual(try route.decide(step: 1, .approve, by: "A", reason: nil), [.decided(step: 1, .approved), .assigned(step: 2)])
    }

    func testApprovingTheLetterStepBeforeTheDuesStatusIsRefused() {
        // A route stored before the hold existed may have its letter step assigned without the status.
        var route = RouteLifecycle(dossierCode: "D1", status: .inProgress, currentStep: 1, duesReported: false, steps: [
            .init(number: 1, organisationCode: "A", isAutomatic: false, needsDuesStatus: true, status: .assigned),
        ])
        XCTAssertThrowsError(try route.decide(step: 1, .approve, by: "A", reason: nil)) {
            XCTAssertEqual($0 as? DecisionRefusal, .duesStatusPending)
        }
        XCTAssertEqual(try route.decide(step: 1, .returnForSupplement, by: "A", reason: "Sai thông tin"),
                       [.decided(step: 1, .returned), .returnedForSupplement(step: 1)], "returning needs no dues status")
    }

    func testAWaitingRouteWaitsForItsOrganisation() {
        var route = newRoute()
        XCTAssertEqual(route.awaitOrganisation("HN.CB9"), [.awaitingOrganisation("HN.CB9")])
        XCTAssertEqual(route.status, .awaitingOrganisations)
    }

    /// Official transfer: the member presents the letter (XT-GGT, recorded by the receiving
    /// organisation); in time, the decision on a late presentation is skipped; late, the
    /// letter-issuing committee decides before the receiving side goes on, never silently accepted.
    func latePresentationRoute() -> (RouteLifecycle, [PlannedStep]) {
        var letter = planned(1, "ISSUER", action: "issue-letter")
        letter.needsDuesStatus = false
        let presentation = planned(2, "RECEIVER", action: PlannedStep.presentLetter)
        var late = planned(3, "ISSUER", action: "decide-late-presentation")
        late.onlyAfterLatePresentation = true
        return (newRoute(), [letter, presentation, late, planned(4, "RECEIVER", action: "accept")])
    }

    func testALetterPresentedInTimeSkipsTheLateDecision() throws {
        var (route, steps) = latePresentationRoute()
        _ = route.start(steps)
        _ = try route.decide(step: 1, .approve, by: "ISSUER", reason: nil)
        XCTAssertEqual(try route.decide(step: 2, .approve, by: "RECEIVER", reason: nil, pastDeadline: false),
                       [.decided(step: 2, .approved), .skipped(step: 3), .assigned(step: 4)])
        XCTAssertEqual(route.steps.map(\.status), [.approved, .approved, .skipped, .assigned])
    }

    func testALetterPresentedLateGoesToTheIssuingCommittee() throws {
        var (route, steps) = latePresentationRoute()
        _ = route.start(steps)
        _ = try route.decide(step: 1, .approve, by: "ISSUER", reason: nil)
        XCTAssertEqual(try route.decide(step: 2, .approve, by: "RECEIVER", reason: nil, pastDeadline: true),
                       [.decided(step: 2, .approved), .assigned(step: 3)])
        XCTAssertTrue(route.steps[1].late)
        XCTAssertEqual(try route.decide(step: 3, .refuse, by: "ISSUER", reason: "Không có lý do chính đáng"),
                       [.decided(step: 3, .refused), .refused(step: 3)])
    }

    func testAnOrganisationLateOnItsOwnStepIsNotALatePresentation() throws {
        var (route, steps) = latePresentationRoute()
        _ = route.start(steps)
        _ = try route.decide(step: 1, .approve, by: "ISSUER", reason: nil, pastDeadline: true)
        XCTAssertEqual(try route.decide(step: 2, .approve, by: "RECEIVER", reason: nil),
                       [.decided(step: 2, .approved), .skipped(step: 3), .assigned(step: 4)])
    }

    /// Withdrawal (rút hồ sơ): a route not yet over ends and its assigned step is cancelled, never
    /// decided; a decided route is not reopened.
    func testAWithdrawalEndsARouteNotYetDecidedAndCancelsItsStep() throws {
        var route = newRoute()
        _ = route.start([planned(1, "A"), planned(2, "B")])
        XCTAssertEqual(route.withdraw(), [.cancelled(step: 1), .withdrawn])
        XCTAssertEqual(route.status, .withdrawn)
        XCTAssertEqual(route.steps.map(\.status), [.cancelled, .waiting])
        XCTAssertThrowsError(try route.decide(step: 1, .approve, by: "A", reason: nil))
        XCTAssertEqual(route.withdraw(), [], "withdrawn once")

        var returned = newRoute()
        _ = returned.start([planned(1, "A")])
        _ = try returned.decide(step: 1, .returnForSupplement, by: "A", reason: "Thiếu giấy tờ")
        XCTAssertEqual(returned.withdraw(), [.withdrawn], "a returned route has no assigned step")

        var decided = newRoute()
        _ = decided.start([planned(1, "A")])
        _ = try decided.decide(step: 1, .approve, by: "A", reason: nil)
        XCTAssertEqual(decided.withdraw(), [])
        XCTAssertEqual(decided.status, .decided)
    }

    /// A return would restart the member's window: the presentation is recorded or refused.
    func testAPresentationCannotBeReturnedForASupplement() throws {
        var (route, steps) = latePresentationRoute()
        _ = route.start(steps)
        _ = try route.decide(step: 1, .approve, by: "ISSUER", reason: nil)
        XCTAssertThrowsError(try route.decide(step: 2, .returnForSupplement, by: "RECEIVER", reason: "Chưa đến")) {
            XCTAssertEqual($0 as? DecisionRefusal, .presentationNotReturnable)
        }
        XCTAssertEqual(route.steps[1].status, .assigned)
    }
}
