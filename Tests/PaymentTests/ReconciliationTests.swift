import PaymentRules
import XCTest

final class ReconciliationTests: XCTestCase {
    func line(_ reference: String, _ amount: Int, _ code: String = "00") -> Reconciliation.StatementLine {
        Reconciliation.StatementLine(reference: reference, transactionNumber: "1", amountVND: amount, responseCode: code)
    }

    func testEveryKindOfMismatchIsListedAndNothingElse() {
        let mismatches = Reconciliation.compare(
            statement: [line("A.1", 95_000), line("B.1", 50_000), line("C.1", 70_000), line("D.1", 10_000, "24"), line("E.1", 30_000)],
            booked: ["A.1": 95_000, "C.1": 75_000, "F.1": 20_000], bookedOtherDays: ["E.1": 30_000])
        XCTAssertEqual(mismatches.map { "\($0.kind.rawValue) \($0.reference)" },
                       ["not-booked B.1", "amount-differs C.1", "not-in-statement F.1"],
                       "a failed line (D) is no payment; a callback booked after midnight (E) matches")
    }
}
