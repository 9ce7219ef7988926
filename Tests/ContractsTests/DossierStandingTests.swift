import Contracts
import Foundation
import XCTest

/// The accounting's rules (issue 22): which statuses end a dossier, who an unfinished one waits
/// for, and when waiting becomes stuck.
final class DossierStandingTests: XCTestCase {
    func testFinishingStatusesAreTheEndsOfADossier() {
        XCTAssertEqual(Set(PublicDossierStatus.finishing), [.refused, .withdrawn, .resultIssued, .resultRevoked])
        XCTAssertEqual(PublicDossierStatus.accepted.standing, .waiting(.routing))
        XCTAssertEqual(PublicDossierStatus.decided.standing, .waiting(.archive))
        XCTAssertEqual(PublicDossierStatus.inProgress.standing, .waiting(.organisation))
        XCTAssertEqual(PublicDossierStatus.awaitingPayment.standing, .waiting(.member))
    }

    func testOnlyWaitingForAServiceBeyondTheAllowanceIsStuck() {
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        func entry(_ status: PublicDossierStatus, _ waiter: DossierWaiter, after seconds: TimeInterval) -> DossierAccountingEntry {
            DossierAccountingEntry(dossierCode: "X", status: status, since: since, waitsFor: waiter,
                                   now: since.addingTimeInterval(seconds), stuckAfter: 900)
        }
        XCTAssertFalse(entry(.accepted, .routing, after: 900).stuck, "at the allowance, not past it")
        XCTAssertTrue(entry(.accepted, .routing, after: 901).stuck)
        XCTAssertEqual(entry(.accepted, .routing, after: 901).ageSeconds, 901)
        XCTAssertFalse(entry(.inProgress, .organisation, after: 86_400 * 30).stuck, "people act in their own time")
        XCTAssertFalse(entry(.received, .documents, after: 86_400).stuck, "the check deadline answers it")
    }

    func testTheNextServicesRecordsSayWhyADossierWaits() {
        let none = DossierElsewhere()
        XCTAssertEqual(none.refine(.received, waiter: .validation).waiter, .validation)
        XCTAssertTrue(none.refine(.received, waiter: .validation).evidence!.contains("validation has no record"))
        XCTAssertEqual(DossierElsewhere(checkStatus: "awaiting-documents").refine(.received, waiter: .validation).waiter, .documents)
        XCTAssertEqual(DossierElsewhere(checkStatus: "awaiting-registry").refine(.received, waiter: .validation).waiter, .registry)
        XCTAssertTrue(DossierElsewhere(checkStatus: "accepted").refine(.received, waiter: .validation).evidence!
            .contains("intake has not heard"))
        XCTAssertTrue(DossierElsewhere(checkStatus: "supplement-requested").refine(.supplementReceived, waiter: .validation).evidence!
            .contains("has not checked the supplement"))
        XCTAssertTrue(none.refine(.accepted, waiter: .routing).evidence!.contains("routing has no route"))
        XCTAssertEqual(DossierElsewhere(resultStatus: "held").refine(.decided, waiter: .archive).waiter, .signingKey)
        XCTAssertFalse(DossierWaiter.signingKey.isService, "a held result has its own alert")
        XCTAssertEqual(DossierElsewhere(routeStatus: "x").refine(.inProgress, waiter: .organisation).waiter, .organisation)
        var unreadable = DossierElsewhere()
        unreadable.unreadable = [.validation]
        XCTAssertTrue(unreadable.refine(.received, waiter: .validation).evidence!.contains("cannot be read by this role"),
                      "not read is not the same as no record")
    }
}
