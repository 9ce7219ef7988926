import Contracts
import Foundation

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

extension LedgerPostings {
    /// Credit handed back to the member by the chi bộ: `fromCashVND` from its cash box, the rest
    /// from its bank account.
    public static func refund(member id: String, organisation: String, amountVND: Int, fromCashVND: Int) -> [Line] {
        let fromCash = min(max(fromCashVND, 0), amountVND)
        return [Line(member(id), amountVND), Line(cash(organisation), -fromCash), Line(bank(organisation), -(amountVND - fromCash))]
            .filter { $0.amountVND != 0 }
    }
}
