import Foundation

/// Party dues rules (đảng phí, DOMAIN §12 (3)): rates by effective date, exemptions and
/// reductions, the rounding rule and the plausible basis, all data in the DANGPHI catalog entry so
/// that a rule change is a new data version. Money is integer VND throughout, never floating point.
public struct DuesRules: Codable, Sendable {
    public struct Rate: Codable, Sendable {
        /// e.g. `social-insurance`, `pensioner`, `student`.
        public let group: String
        public let label: String
        /// What the percentage applies to, e.g. the previous month's insured salary.
        public let basis: String?
        /// The rate in basis points of the basis (100 = 1 %, 50 = 0.5 %).
        public let basisPoints: Int?
        public let fixedVND: Int?

        enum CodingKeys: String, CodingKey { case group, label, basis, basisPoints, percent, fixedVND }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            group = try c.decode(String.self, forKey: .group)
            label = try c.decode(String.self, forKey: .label)
            basis = try c.decodeIfPresent(String.self, forKey: .basis)
            fixedVND = try c.decodeIfPresent(Int.self, forKey: .fixedVND)
            // Earlier catalog versions wrote `percent` as a decimal (1.0, 0.5): read once as a
            // decimal into whole basis points, so no arithmetic on money is ever in floating point.
            if let points = try c.decodeIfPresent(Int.self, forKey: .basisPoints) {
                basisPoints = points
            } else if let percent = try c.decodeIfPresent(Decimal.self, forKey: .percent) {
                basisPoints = NSDecimalNumber(decimal: percent * 100).intValue
            } else {
                basisPoints = nil
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(group, forKey: .group)
            try c.encode(label, forKey: .label)
            try c.encodeIfPresent(basis, forKey: .basis)
            try c.encodeIfPresent(basisPoints, forKey: .basisPoints)
            try c.encodeIfPresent(fixedVND, forKey: .fixedVND)
        }
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

    /// How a computed amount becomes whole money: to a multiple of `unitVND`, by `mode`.
    public struct Rounding: Codable, Sendable, Equatable {
        public enum Mode: String, Codable, Sendable { case halfUp = "half-up", up, down }
        public let unitVND: Int
        public let mode: Mode

        public init(unitVND: Int, mode: Mode) {
            self.unitVND = unitVND
            self.mode = mode
        }

        /// `numerator / denominator` VND rounded; both non-negative.
        public func apply(_ numerator: Int, over denominator: Int) -> Int {
            let unit = max(unitVND, 1) * denominator
            let (whole, rest) = numerator.quotientAndRemainder(dividingBy: unit)
            let up = switch mode {
            case .halfUp: rest * 2 >= unit
            case .up: rest > 0
            case .down: false
            }
            return (whole + (up ? 1 : 0)) * max(unitVND, 1)
        }

        /// Whole đồng, half up: the rule when a catalog version states none.
        public static let wholeDong = Rounding(unitVND: 1, mode: .halfUp)
    }

    public let rateSets: [RateSet]
    public let exemptions: [Exemption]
    public let reductions: Reductions
    /// Months unpaid in a year after which the chi bộ is told (removal may be proposed).
    public let arrearsMonthsToReport: Int
    public let rounding: Rounding?
    /// The largest monthly basis (salary, pension, allowance) taken without question; a larger one
    /// is an error in the declaration, not a rich member.
    public let maxBasisVND: Int?
    /// At most this many months declared and paid at once (in advance).
    public let maxMonthsPerPayment: Int?
    /// What each level keeps of the dues it receives (the rest goes to the level above), by date.
    public let shares: [ShareSet]?

    /// Each level's share (tỷ lệ trích giữ lại), from `effectiveFrom`.
    public struct ShareSet: Codable, Sendable {
        public let effectiveFrom: Date
        /// Percent kept by an organisation of each kind (`cell`, `grassroots`, …); a kind not
        /// listed keeps nothing and passes everything up.
        public let keptPercentByKind: [String: Int]
    }

    /// The percent an organisation of `kind` keeps of what it receives in `month`; 100 when the
    /// data has no shares (nothing is remitted rather than a guess).
    public func keptPercent(kind: String, month: Date) -> Int {
        guard let shares, !shares.isEmpty else { return 100 }
        guard let set = shares.last(where: { $0.effectiveFrom <= month }) else { return 100 }
        return min(max(set.keptPercentByKind[kind] ?? 0, 0), 100)
    }
}

/// Why an amount cannot be computed.
public enum DuesError: Error, Equatable {
    case noRatesInForce
    case unknownGroup(String)
    case basisRequired(String)
    case basisOutOfRange(Int)
    case unknownExemption(String)
    case reductionNotAllowed(Int)
}

/// Relief from dues (miễn, giảm đảng phí) granted for some months.
public enum DuesRelief: Codable, Sendable, Equatable {
    /// Exempt: nothing due (e.g. `membership-50-years`).
    case exemption(String)
    /// 30, 50 or 70 % less.
    case reduction(percent: Int)

    /// As the form and the ledger write it: the exemption's code, or `giam-30`.
    public var code: String {
        switch self {
        case let .exemption(code): code
        case let .reduction(percent): "giam-\(percent)"
        }
    }

    public init?(code: String) {
        if code.hasPrefix("giam-"), let percent = Int(code.dropFirst(5)) {
            self = .reduction(percent: percent)
        } else if !code.isEmpty {
            self = .exemption(code)
        } else {
            return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        guard let relief = DuesRelief(code: code) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "empty relief code"))
        }
        self = relief
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}

/// A calendar month of dues, `yyyy-MM`.
public struct DuesMonth: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// `yyyy-MM`, or the form's `MM/yyyy`.
    public init?(_ text: String) {
        let iso = text.split(separator: "-"), form = text.split(separator: "/")
        let parts = iso.count == 2 ? (iso[0], iso[1]) : form.count == 2 ? (form[1], form[0]) : nil
        guard let parts, parts.0.count == 4, parts.1.count == 2, let year = Int(parts.0), let month = Int(parts.1),
              (1...12).contains(month) else { return nil }
        self.init(year: year, month: month)
    }

    /// The month `date` falls in, in Vietnam.
    public init(containing date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        let parts = calendar.dateComponents([.year, .month], from: date)
        self.init(year: parts.year!, month: parts.month!)
    }

    public var description: String { String(format: "%04d-%02d", year, month) }
    /// `M/yyyy`, as people read it.
    public var display: String { "\(month)/\(year)" }
    var index: Int { year * 12 + month - 1 }

    public func adding(_ months: Int) -> DuesMonth {
        let next = index + months
        return DuesMonth(year: next / 12, month: next % 12 + 1)
    }

    /// The first instant of the month in Vietnam (UTC+7, no daylight saving).
    public var start: Date {
        var components = DateComponents(year: year, month: month, day: 1)
        components.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        return Calendar(identifier: .gregorian).date(from: components)!
    }

    public static func < (a: DuesMonth, b: DuesMonth) -> Bool { a.index < b.index }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let month = DuesMonth(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a yyyy-MM month: \(text)"))
        }
        self = month
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension DuesRules {
    /// The rates in force in `month` (the set with the latest effective date not after it).
    public func rate(group: String, month: Date) throws -> Rate {
        guard let rates = rateSets.last(where: { $0.effectiveFrom <= month })?.rates else { throw DuesError.noRatesInForce }
        guard let rate = rates.first(where: { $0.group == group }) else { throw DuesError.unknownGroup(group) }
        return rate
    }

    /// The monthly amount due in VND for a member of `group`, for the month starting at `month`
    /// (the rates in force then). `basisVND` is the salary, benefit, pension or allowance the
    /// percentage applies to. An exemption makes it 0; a reduction (30/50/70 %) lowers it. One
    /// integer division, rounded by the catalog's rule.
    public func amountDue(group: String, basisVND: Int?, month: Date, relief: DuesRelief? = nil) throws -> Int {
        let rate = try rate(group: group, month: month)
        var kept = 100
        switch relief {
        case let .exemption(code):
            guard exemptions.contains(where: { $0.code == code }) else { throw DuesError.unknownExemption(code) }
            return 0
        case let .reduction(percent):
            guard reductions.percents.contains(percent) else { throw DuesError.reductionNotAllowed(percent) }
            kept = 100 - percent
        case nil:
            break
        }
        let rounding = rounding ?? .wholeDong
        if let fixed = rate.fixedVND { return rounding.apply(fixed * kept, over: 100) }
        guard let basisVND, let points = rate.basisPoints else { throw DuesError.basisRequired(group) }
        guard basisVND >= 0, basisVND <= maxBasisVND ?? Int(Int32.max) else { throw DuesError.basisOutOfRange(basisVND) }
        return rounding.apply(basisVND * points * kept, over: 10_000 * 100)
    }
}
