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

/// A payment order's state (`payment.payment_orders.status`).
public enum PaymentOrderStatus: String, Sendable, Codable {
    /// Opened; the member has not paid yet (an online attempt may have failed).
    case awaitingPayment = "awaiting-payment"
    /// Paid in full (online, in cash, or covered by credit): over.
    case paid
    /// The dossier was withdrawn before payment: over.
    case cancelled

    /// What money arriving for the order does.
    public enum Receipt: Equatable, Sendable {
        /// Settles the order; anything beyond what was asked (`excessVND`) is the member's credit.
        case settles(excessVND: Int)
        /// The order is already settled or closed: all of it is the member's credit (paid twice).
        case creditOnly
        /// Less than asked: refused, nothing booked (a gateway never pays part of an order).
        case tooLittle
    }

    /// Money of `amountVND` arriving for an order asking for `toPayVND`. `exact`: the channel must
    /// bring exactly the amount (a gateway's transaction for this order); cash may bring more.
    public func receive(_ amountVND: Int, toPay toPayVND: Int, exact: Bool) -> Receipt {
        guard self == .awaitingPayment else { return .creditOnly }
        if amountVND < toPayVND || (exact && amountVND != toPayVND) { return .tooLittle }
        return .settles(excessVND: amountVND - toPayVND)
    }
}

/// The ledger's bookings (sổ cái), double-entry: each journal's lines sum to zero, debits positive.
/// Accounts: `member:<id>` (positive: owed; negative: credit carried forward),
/// `org:<code>:dues-income`, `org:<code>:bank` (the chi bộ's account at the payment platform's
/// bank), `org:<code>:cash` (the treasurer's cash box).
public enum LedgerPostings {
    public struct Line: Sendable, Equatable {
        public let account: String
        public let amountVND: Int

        public init(_ account: String, _ amountVND: Int) {
            self.account = account
            self.amountVND = amountVND
        }
    }

    public static func member(_ id: String) -> String { "member:\(id)" }
    public static func income(_ organisation: String) -> String { "org:\(organisation):dues-income" }
    public static func bank(_ organisation: String) -> String { "org:\(organisation):bank" }
    public static func cash(_ organisation: String) -> String { "org:\(organisation):cash" }

    /// Dues assessed: the member owes, the chi bộ earns.
    public static func assessment(member id: String, organisation: String, amountVND: Int) -> [Line] {
        amountVND == 0 ? [] : [Line(member(id), amountVND), Line(income(organisation), -amountVND)]
    }

    /// Money received from the member into the chi bộ's bank account or cash box.
    public static func receipt(member id: String, organisation: String, amountVND: Int, channel: PaymentChannel) -> [Line] {
        guard amountVND != 0 else { return [] }
        return [Line(channel == .cash ? cash(organisation) : bank(organisation), amountVND), Line(member(id), -amountVND)]
    }
}

/// A month's close of one organisation: what it keeps of what it received, the rest to the level
/// above. Whole đồng, the kept share rounded half up; at the top (no parent) everything is kept.
public enum RemittanceSplit {
    public static func split(baseVND: Int, keptPercent: Int, hasParent: Bool) -> (keptVND: Int, remittedVND: Int) {
        guard hasParent else { return (baseVND, 0) }
        let kept = DuesRules.Rounding.wholeDong.apply(max(baseVND, 0) * min(max(keptPercent, 0), 100), over: 100)
        return (kept, max(baseVND, 0) - kept)
    }

    /// The organisation kinds from the lowest level up: a month is closed in this order, so each
    /// level's close counts what the levels below remitted in the same run.
    public static let closingOrder = ["cell", "section", "grassroots", "superior", "organisation-board", "province", "central"]
}
