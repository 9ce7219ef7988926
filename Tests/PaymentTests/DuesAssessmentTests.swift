import Contracts
import Foundation
import PaymentRules
import XCTest

final class DuesAssessmentTests: XCTestCase {
    let rules = ProcedureCatalog.bundledDues

    func declaration(_ first: String, months: Int = 1, basis: Int? = 9_500_000, relief: DuesRelief? = nil, reliefMonths: Int? = nil,
                     extra: Int = 0, group: String = "social-insurance") -> DuesDeclaration {
        DuesDeclaration(firstMonth: DuesMonth(first)!, months: months, group: group, basisVND: basis, relief: relief,
                        reliefMonths: reliefMonths, extraVND: extra)
    }

    func testEachMonthAtTheRateInForceThenWithItsRelief() throws {
        // January 2026 under Quyết định 342 (students 2,000), February under Quy định 01 (5,000).
        let students = try DuesAssessment.assess(declaration("2026-01", months: 2, basis: nil, group: "student"), rules: rules,
                                                 paidMonths: [], creditVND: 0)
        XCTAssertEqual(students.months.map(\.amountDueVND), [2_000, 5_000])
        // A 30 % reduction for the first two of three months.
        let reduced = try DuesAssessment.assess(declaration("2026-11", months: 3, relief: .reduction(percent: 30), reliefMonths: 2),
                                                rules: rules, paidMonths: [], creditVND: 0)
        XCTAssertEqual(reduced.months.map(\.amountDueVND), [66_500, 66_500, 95_000])
        XCTAssertEqual(reduced.months.map(\.relief), [.reduction(percent: 30), .reduction(percent: 30), nil])
        XCTAssertEqual(reduced.amountToPayVND, 228_000)
        let exempt = try DuesAssessment.assess(declaration("2026-12", relief: .exemption("membership-50-years")), rules: rules,
                                               paidMonths: [], creditVND: 0)
        XCTAssertEqual(exempt.amountToPayVND, 0)
    }

    func testPaidMonthsAreNotAskedTwiceAndCreditIsUsedFirst() throws {
        let assessed = try DuesAssessment.assess(declaration("2026-11", months: 2, extra: 5_000), rules: rules,
                                                 paidMonths: [DuesMonth("2026-11")!], creditVND: 20_000)
        XCTAssertEqual(assessed.months.map(\.month.description), ["2026-12"])
        XCTAssertEqual(assessed.amountDueVND, 95_000)
        XCTAssertEqual(assessed.creditAppliedVND, 20_000)
        XCTAssertEqual(assessed.amountToPayVND, 80_000)
        // More credit than due: only what is due is used, the rest stays.
        let covered = try DuesAssessment.assess(declaration("2027-01"), rules: rules, paidMonths: [], creditVND: 200_000)
        XCTAssertEqual(covered.creditAppliedVND, 95_000)
        XCTAssertEqual(covered.amountToPayVND, 0)
    }

    func testMoneyArrivingForAnOrder() {
        let open = PaymentOrderStatus.awaitingPayment
        XCTAssertEqual(open.receive(95_000, toPay: 95_000, exact: true), .settles(excessVND: 0))
        XCTAssertEqual(open.receive(96_000, toPay: 95_000, exact: true), .tooLittle, "a gateway pays exactly the order")
        XCTAssertEqual(open.receive(100_000, toPay: 95_000, exact: false), .settles(excessVND: 5_000), "cash may bring more")
        XCTAssertEqual(open.receive(90_000, toPay: 95_000, exact: false), .tooLittle)
        XCTAssertEqual(PaymentOrderStatus.paid.receive(95_000, toPay: 95_000, exact: true), .creditOnly, "paid twice: credit")
    }

    func testPostingsBalance() {
        let lines = LedgerPostings.assessment(member: "DV1", organisation: "HN.CB0001", amountVND: 95_000)
            + LedgerPostings.receipt(member: "DV1", organisation: "HN.CB0001", amountVND: 95_000, channel: .online)
        XCTAssertEqual(lines.reduce(0) { $0 + $1.amountVND }, 0)
        XCTAssertEqual(lines.filter { $0.account == "member:DV1" }.reduce(0) { $0 + $1.amountVND }, 0)
        XCTAssertEqual(LedgerPostings.receipt(member: "DV1", organisation: "HN.CB0001", amountVND: 5, channel: .cash)[0].account,
                       "org:HN.CB0001:cash")
    }
}

extension ProcedureCatalog {
    /// The dues rules of the shipped DANGPHI version 2.
    static var bundledDues: DuesRules {
        try! ProcedureCatalog.bundled().procedure("DANGPHI", at: DuesMonth(year: 2026, month: 12).start)!.dues!
    }
}
