import Foundation

/// Party dues rules (đảng phí, DOMAIN §12 (3)): rates by effective date, exemptions and
/// reductions, all data in the DANGPHI catalog entry so that a rule change is a new data version.
public struct DuesRules: Codable, Sendable {
    public struct Rate: Codable, Sendable {
        /// e.g. `social-insurance`, `pensioner`, `student`.
        public let group: String
        public let label: String
        /// What the percentage applies to, e.g. the previous month's insured salary.
        public let basis: String?
        public let percent: Double?
        public let fixedVND: Int?
    }

    public struct RateSet: Codable, Sendable {
        public let effectiveFrom: Date
        public let rates: [Rate]
    }

    public struct Exemption: Codable, Sendable {
        public let code: String
        public let label: String
    }

    public struct Reductions: Codable, Sendable {
        public let percents: [Int]
        public let maxMonths: Int
    }

    public let rateSets: [RateSet]
    public let exemptions: [Exemption]
    public let reductions: Reductions
    /// Months unpaid in a year after which the chi bộ is told (removal may be proposed).
    public let arrearsMonthsToReport: Int
}

/// Why an amount cannot be computed.
public enum DuesError: Error, Equatable {
    case noRatesInForce
    case unknownGroup(String)
    case basisRequired(String)
    case unknownExemption(String)
    case reductionNotAllowed(Int)
}

extension DuesRules {
    /// The monthly amount due in VND for a member of `group`, for the month starting at `month`
    /// (the rates in force then). `basisVND` is the salary, benefit, pension or allowance the
    /// percentage applies to. An exemption makes it 0; a reduction (30/50/70 %) lowers it.
    public func amountDue(group: String, basisVND: Int?, month: Date, exemption: String? = nil,
                          reductionPercent: Int? = nil) throws -> Int {
        guard let rates = rateSets.last(where: { $0.effectiveFrom <= month })?.rates else { throw DuesError.noRatesInForce }
        guard let rate = rates.first(where: { $0.group == group }) else { throw DuesError.unknownGroup(group) }
        if let exemption {
            guard exemptions.contains(where: { $0.code == exemption }) else { throw DuesError.unknownExemption(exemption) }
            return 0
        }
        var amount: Double
        if let fixed = rate.fixedVND {
            amount = Double(fixed)
        } else {
            guard let basisVND, let percent = rate.percent else { throw DuesError.basisRequired(group) }
            amount = Double(basisVND) * percent / 100
        }
        if let reductionPercent {
            guard reductions.percents.contains(reductionPercent) else { throw DuesError.reductionNotAllowed(reductionPercent) }
            amount *= Double(100 - reductionPercent) / 100
        }
        // Whole đồng, rounded half up.
        return Int((amount + 0.5).rounded(.down))
    }
}
