import Contracts
import Foundation

/// The amount a dues order asks for (DOMAIN §12 (3)): each declared month at the rate in force that
/// month with the relief declared for it; months the member has already paid are not asked again;
/// the member's credit (earlier overpayments) is used first; a declared extra is added.
public struct DuesAssessment: Sendable, Equatable {
    public var months: [DuesMonthDue]
    public var amountDueVND: Int
    public var creditAppliedVND: Int
    public var extraVND: Int
    /// What remains to pay now; 0 when credit or an exemption covers everything.
    public var amountToPayVND: Int

    public init(months: [DuesMonthDue], amountDueVND: Int, creditAppliedVND: Int, extraVND: Int, amountToPayVND: Int) {
        self.months = months
        self.amountDueVND = amountDueVND
        self.creditAppliedVND = creditAppliedVND
        self.extraVND = extraVND
        self.amountToPayVND = amountToPayVND
    }

    /// `paidMonths`: months already paid (they are left out: never asked twice);
    /// `creditVND`: the member's credit before this order (≥ 0).
    public static func assess(_ declaration: DuesDeclaration, rules: DuesRules, paidMonths: Set<DuesMonth>,
                              creditVND: Int) throws -> DuesAssessment {
        var months: [DuesMonthDue] = []
        for month in declaration.monthList where !paidMonths.contains(month) {
            let relief = declaration.relief(for: month)
            let amount = try rules.amountDue(group: declaration.group, basisVND: declaration.basisVND, month: month.start, relief: relief)
            months.append(DuesMonthDue(month: month, amountDueVND: amount, relief: relief))
        }
        let due = months.reduce(0) { $0 + $1.amountDueVND }
        let extra = max(declaration.extraVND, 0)
        let credit = min(max(creditVND, 0), due + extra)
        return DuesAssessment(months: months, amountDueVND: due, creditAppliedVND: credit, extraVND: extra,
                              amountToPayVND: due + extra - credit)
    }
}
