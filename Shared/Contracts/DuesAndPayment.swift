import Foundation

// Party dues and payments (đảng phí, Đ.16): requests, completions, the dues status an introduction
// letter records.

/// `payment.requested.v1`: an amount (fee or party dues, đảng phí) is due from a member.
public struct PaymentRequestedV1: Codable, Sendable, Equatable {
    public var paymentId: String
    public var dossierCode: String?
    public var memberId: String
    public var amountVND: Int
    public var purpose: String

    public init(paymentId: String, dossierCode: String?, memberId: String, amountVND: Int, purpose: String) {
        self.paymentId = paymentId
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.amountVND = amountVND
        self.purpose = purpose
    }
}

/// `payment.completed.v1`: a provider confirmed a payment (Đ.16).
public struct PaymentCompletedV1: Codable, Sendable, Equatable {
    public var paymentId: String
    public var dossierCode: String?
    public var memberId: String
    public var amountVND: Int
    public var provider: String
    public var providerReference: String
    public var paidAt: Date
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

extension MessageType {
    /// Routing → payment: an amount is due (fees, party dues).
    public static let paymentRequested = MessageType("payment.requested", major: 1)
    /// Payment: the amount was paid.
    public static let paymentCompleted = MessageType("payment.completed", major: 1)
    public static let duesStatusRequested = MessageType("dues.status-requested", major: 1)
    public static let duesStatusReported = MessageType("dues.status-reported", major: 1)
}
