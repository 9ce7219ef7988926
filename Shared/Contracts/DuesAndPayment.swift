import Foundation

// Party dues and payments (đảng phí, Đ.16): requests, completions, the dues status an introduction
// letter records.

/// What an amount is due for.
public enum PaymentPurpose: String, Codable, Sendable {
    /// Party dues (đảng phí) for the declared months.
    case partyDues = "party-dues"
    /// A fee (lệ phí) of the procedure.
    case fee
}

/// `payment.requested.v2`: routing reached a dossier's `pay` step; payment works out the amount
/// due (for dues, from the declaration and the rules in force each month) and opens the order.
public struct PaymentRequestedV2: Codable, Sendable, Equatable {
    /// The order's identity, also the gateway's order reference stem (`<dossier code>.<step>`).
    public var paymentId: String
    public var dossierCode: String
    public var memberId: String
    /// The chi bộ the member pays to (it collects and remits upward).
    public var collectingOrganisationCode: String
    public var procedureCode: String
    public var procedureVersion: Int
    public var purpose: PaymentPurpose
    /// The member's declaration, for party dues.
    public var dues: DuesDeclaration?
    /// The amount, for a fee.
    public var feeVND: Int?
    public var requestedAt: Date

    public init(paymentId: String, dossierCode: String, memberId: String, collectingOrganisationCode: String, procedureCode: String,
                procedureVersion: Int, purpose: PaymentPurpose, dues: DuesDeclaration? = nil, feeVND: Int? = nil, requestedAt: Date) {
        self.paymentId = paymentId
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.collectingOrganisationCode = collectingOrganisationCode
        self.procedureCode = procedureCode
        self.procedureVersion = procedureVersion
        self.purpose = purpose
        self.dues = dues
        self.feeVND = feeVND
        self.requestedAt = requestedAt
    }
}

/// One month of dues in an order.
public struct DuesMonthDue: Codable, Sendable, Equatable {
    public var month: DuesMonth
    public var amountDueVND: Int
    public var relief: DuesRelief?

    public init(month: DuesMonth, amountDueVND: Int, relief: DuesRelief?) {
        self.month = month
        self.amountDueVND = amountDueVND
        self.relief = relief
    }
}

/// `payment.due.v1`: the amount the member must pay for a dossier, and where to pay it online.
public struct PaymentDueV1: Codable, Sendable, Equatable {
    public var paymentId: String
    public var dossierCode: String
    public var memberId: String
    public var collectingOrganisationCode: String
    public var purpose: PaymentPurpose
    /// Each month and its amount (dues).
    public var months: [DuesMonthDue]
    /// The sum due for the months (or the fee).
    public var amountDueVND: Int
    /// The member's credit from earlier overpayments, used first.
    public var creditAppliedVND: Int
    /// Paid beyond what is due, as declared.
    public var extraVND: Int
    /// What remains to pay: due − credit + extra (never negative). 0: nothing to pay, and
    /// `payment.completed.v1` follows at once.
    public var amountToPayVND: Int
    /// The member's browser opens it to pay online (a link on payment's public edge that leads to
    /// the payment platform); absent when nothing is to pay.
    public var checkoutUrl: String?
    public var dueAt: Date

    public init(paymentId: String, dossierCode: String, memberId: String, collectingOrganisationCode: String, purpose: PaymentPurpose,
                months: [DuesMonthDue], amountDueVND: Int, creditAppliedVND: Int, extraVND: Int, amountToPayVND: Int,
                checkoutUrl: String?, dueAt: Date) {
        self.paymentId = paymentId
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.collectingOrganisationCode = collectingOrganisationCode
        self.purpose = purpose
        self.months = months
        self.amountDueVND = amountDueVND
        self.creditAppliedVND = creditAppliedVND
        self.extraVND = extraVND
        self.amountToPayVND = amountToPayVND
        self.checkoutUrl = checkoutUrl
        self.dueAt = dueAt
    }
}

/// How a payment arrived.
public enum PaymentChannel: String, Codable, Sendable {
    /// Through the payment platform (gateway), confirmed by its signed callback.
    case online
    /// In cash to the chi bộ's treasurer, recorded by an officer.
    case cash
    /// Nothing to pay: covered by the member's credit, or an exemption.
    case credit
}

/// `payment.completed.v1`: a provider confirmed a payment (Đ.16), or the treasurer recorded cash,
/// or nothing was due; the order is paid.
public struct PaymentCompletedV1: Codable, Sendable, Equatable {
    public var paymentId: String
    public var dossierCode: String?
    public var memberId: String
    /// What was received for this order (0 when credit or an exemption covered it).
    public var amountVND: Int
    public var provider: String
    public var providerReference: String
    public var paidAt: Date
    public var channel: PaymentChannel?
    /// The months now paid (dues).
    public var months: [DuesMonthDue]?
    public var creditAppliedVND: Int?
    /// The member's credit after this payment (an overpayment carried forward).
    public var creditBalanceVND: Int?
    public var collectingOrganisationCode: String?

    public init(paymentId: String, dossierCode: String?, memberId: String, amountVND: Int, provider: String,
                providerReference: String, paidAt: Date, channel: PaymentChannel?, months: [DuesMonthDue]?,
                creditAppliedVND: Int?, creditBalanceVND: Int?, collectingOrganisationCode: String?) {
        self.paymentId = paymentId
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.amountVND = amountVND
        self.provider = provider
        self.providerReference = providerReference
        self.paidAt = paidAt
        self.channel = channel
        self.months = months
        self.creditAppliedVND = creditAppliedVND
        self.creditBalanceVND = creditBalanceVND
        self.collectingOrganisationCode = collectingOrganisationCode
    }
}

/// `payment.failed.v1`: an attempt to pay online failed (cancelled, refused by the bank); the
/// order stays open and the member may try again.
public struct PaymentFailedV1: Codable, Sendable, Equatable {
    public var paymentId: String
    public var dossierCode: String?
    public var memberId: String
    public var provider: String
    public var providerReference: String
    /// The provider's response code, e.g. VNPay's `24` (cancelled by the customer).
    public var responseCode: String
    public var reason: String
    public var failedAt: Date

    public init(paymentId: String, dossierCode: String?, memberId: String, provider: String, providerReference: String,
                responseCode: String, reason: String, failedAt: Date) {
        self.paymentId = paymentId
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.provider = provider
        self.providerReference = providerReference
        self.responseCode = responseCode
        self.reason = reason
        self.failedAt = failedAt
    }
}

/// `dues.status-requested.v1`: routing asks payment up to which month a member has paid dues, for
/// the introduction letter ("đã đóng đảng phí đến hết tháng M/YYYY").
public struct DuesStatusRequestedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var memberId: String
    public var requestedAt: Date

    public init(dossierCode: String, memberId: String, requestedAt: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.requestedAt = requestedAt
    }
}

/// `dues.status-reported.v1`: payment's answer.
public struct DuesStatusReportedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var memberId: String
    /// `yyyy-MM`, the last month paid without a gap; nil when no payment is recorded.
    public var paidUpToMonth: String?
    /// The chi bộ the member's dues are owed to now (it follows official transfers); nil when
    /// payment does not know the member yet.
    public var collectingOrganisationCode: String?
    public var reportedAt: Date

    public init(dossierCode: String, memberId: String, paidUpToMonth: String?, collectingOrganisationCode: String? = nil,
                reportedAt: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.paidUpToMonth = paidUpToMonth
        self.collectingOrganisationCode = collectingOrganisationCode
        self.reportedAt = reportedAt
    }

    /// As the letter prints it, e.g. "Đã đóng đảng phí đến hết tháng 10/2026".
    public var letterText: String { Self.letterText(paidUpToMonth: paidUpToMonth) }

    public static func letterText(paidUpToMonth month: String?) -> String {
        guard let month, month.count == 7 else { return "Chưa có dữ liệu đóng đảng phí" }
        let parts = month.split(separator: "-")
        return "Đã đóng đảng phí đến hết tháng \(Int(parts[1]) ?? 0)/\(parts[0])"
    }
}

/// `dues.remitted.v1`: an organisation closed a month of dues: what it received (from its members
/// and from the levels below), what it keeps, and what it remitted to the level above.
public struct DuesRemittedV1: Codable, Sendable, Equatable {
    public var organisationCode: String
    /// The level above that received the remittance; nil at the top.
    public var parentOrganisationCode: String?
    public var month: DuesMonth
    /// Received and not yet counted in an earlier close.
    public var baseVND: Int
    public var keptPercent: Int
    public var keptVND: Int
    public var remittedVND: Int
    public var closedAt: Date

    public init(organisationCode: String, parentOrganisationCode: String?, month: DuesMonth, baseVND: Int, keptPercent: Int,
                keptVND: Int, remittedVND: Int, closedAt: Date) {
        self.organisationCode = organisationCode
        self.parentOrganisationCode = parentOrganisationCode
        self.month = month
        self.baseVND = baseVND
        self.keptPercent = keptPercent
        self.keptVND = keptVND
        self.remittedVND = remittedVND
        self.closedAt = closedAt
    }
}

/// `dues.arrears-reported.v1`: the chi bộ's members with `arrearsMonthsToReport` or more unpaid
/// months in the year (no exemption, no reduction asked for them), after a month's close: the chi bộ
/// may propose removal (Quy định 01-QĐ/TW).
public struct DuesArrearsReportedV1: Codable, Sendable, Equatable {
    public struct Member: Codable, Sendable, Equatable {
        public var memberId: String
        public var unpaidMonths: [DuesMonth]

        public init(memberId: String, unpaidMonths: [DuesMonth]) {
            self.memberId = memberId
            self.unpaidMonths = unpaidMonths
        }
    }

    public var organisationCode: String
    public var year: Int
    /// The month closed; the months counted run from January (or from when the chi bộ started
    /// collecting the member's dues) to it.
    public var throughMonth: DuesMonth
    /// The rules' number of unpaid months that makes a member reported.
    public var arrearsMonthsToReport: Int
    public var members: [Member]
    public var reportedAt: Date

    public init(organisationCode: String, year: Int, throughMonth: DuesMonth, arrearsMonthsToReport: Int, members: [Member],
                reportedAt: Date) {
        self.arrearsMonthsToReport = arrearsMonthsToReport
        self.organisationCode = organisationCode
        self.year = year
        self.throughMonth = throughMonth
        self.members = members
        self.reportedAt = reportedAt
    }
}

extension MessageType {
    /// Payment: an organisation's month closed, its share kept and the rest remitted upward.
    public static let duesRemitted = MessageType("dues.remitted", major: 1)
    /// Payment: a chi bộ's members in arrears after a month's close.
    public static let duesArrearsReported = MessageType("dues.arrears-reported", major: 1)

    /// Routing → payment: a dossier reached its `pay` step (fees, party dues).
    public static let paymentRequested = MessageType("payment.requested", major: 2)
    /// Payment: the amount due and where to pay it.
    public static let paymentDue = MessageType("payment.due", major: 1)
    /// Payment: the amount was paid.
    public static let paymentCompleted = MessageType("payment.completed", major: 1)
    /// Payment: an online attempt failed; the order stays open.
    public static let paymentFailed = MessageType("payment.failed", major: 1)
    public static let duesStatusRequested = MessageType("dues.status-requested", major: 1)
    public static let duesStatusReported = MessageType("dues.status-reported", major: 1)
}
