import Foundation

// Messages of routing between organisations (liên thông, Đ.22): the organisation registry, step
// deadlines, transfers of members, and the dues status an introduction letter records.

/// A party organisation (tổ chức đảng) as the organisation registry knows it; the payload of
/// `organisation.registered.v1` and `organisation.updated.v1`.
public struct OrganisationRecord: Codable, Sendable, Equatable {
    /// The levels of the tree after the 2025 reform (DOMAIN §12), lowest last.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Trung ương.
        case central
        /// Tỉnh ủy / thành ủy, or a đảng bộ directly under the Centre.
        case province
        /// Ban tổ chức (the organisation board) of a province.
        case organisationBoard = "organisation-board"
        /// Đảng ủy cấp trên trực tiếp of grassroots organisations (commune/ward/special zone, agency bloc).
        case superior
        /// Đảng bộ cơ sở or chi bộ cơ sở.
        case grassroots
        /// Đảng bộ bộ phận.
        case section
        /// Chi bộ.
        case cell
    }

    public struct Contact: Codable, Sendable, Equatable {
        public var email: String?
        public var phone: String?
        public var address: String?

        public init(email: String? = nil, phone: String? = nil, address: String? = nil) {
            self.email = email
            self.phone = phone
            self.address = address
        }
    }

    public var code: String
    public var kind: Kind
    public var name: String
    /// nil only for the Centre.
    public var parentCode: String?
    public var contact: Contact?
    /// Office hours as `HH:mm-HH:mm` sessions, e.g. `["07:30-11:30", "13:00-17:00"]`; the
    /// standard hours when absent.
    public var officeHours: [String]?
    /// For a province: its organisation board (Ban tổ chức), which issues introduction letters
    /// for grassroots organisations directly under the province.
    public var boardCode: String?
    /// The AMQP user of the organisation's own software, allowed to decide its steps over AMQP.
    public var softwareUser: String?
    /// Increases with every change; older updates are ignored.
    public var revision: Int

    public init(code: String, kind: Kind, name: String, parentCode: String?, contact: Contact? = nil,
                officeHours: [String]? = nil, boardCode: String? = nil, softwareUser: String? = nil, revision: Int = 1) {
        self.code = code
        self.kind = kind
        self.name = name
        self.parentCode = parentCode
        self.contact = contact
        self.officeHours = officeHours
        self.boardCode = boardCode
        self.softwareUser = softwareUser
        self.revision = revision
    }
}

/// `dossier.step-reminder.v1`: a step's deadline is near (one working day left, or half its time).
public struct DossierStepReminderV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var stepNumber: Int
    public var stepCode: String
    public var organisationCode: String
    public var deadline: Date
    public var remindedAt: Date

    public init(dossierCode: String, stepNumber: Int, stepCode: String, organisationCode: String, deadline: Date,
                remindedAt: Date) {
        self.dossierCode = dossierCode
        self.stepNumber = stepNumber
        self.stepCode = stepCode
        self.organisationCode = organisationCode
        self.deadline = deadline
        self.remindedAt = remindedAt
    }
}

/// `dossier.step-overdue.v1`: a step passed its deadline undecided; escalated to the superior
/// organisation of the step's organisation (Đ.37: counted late).
public struct DossierStepOverdueV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var stepNumber: Int
    public var stepCode: String
    public var organisationCode: String
    public var deadline: Date
    /// The parent organisation that must follow it up; nil for the Centre.
    public var escalatedToOrganisationCode: String?
    public var detectedAt: Date

    public init(dossierCode: String, stepNumber: Int, stepCode: String, organisationCode: String, deadline: Date,
                escalatedToOrganisationCode: String?, detectedAt: Date) {
        self.dossierCode = dossierCode
        self.stepNumber = stepNumber
        self.stepCode = stepCode
        self.organisationCode = organisationCode
        self.deadline = deadline
        self.escalatedToOrganisationCode = escalatedToOrganisationCode
        self.detectedAt = detectedAt
    }
}

/// `member.transferred.v1`: a completed transfer (chuyển sinh hoạt đảng); the registry, the dues
/// obligation and the member's data store follow it. A temporary transfer keeps the member on the
/// official organisation's list (`kind` = `temporary`, with `until`).
public struct MemberTransferredV1: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case official, temporary }

    public var memberId: String
    public var dossierCode: String
    public var kind: Kind
    public var fromOrganisationCode: String
    public var toOrganisationCode: String
    /// Temporary transfers: the last day (`yyyy-MM-dd`).
    public var until: String?
    public var transferredAt: Date

    public init(memberId: String, dossierCode: String, kind: Kind, fromOrganisationCode: String,
                toOrganisationCode: String, until: String?, transferredAt: Date) {
        self.memberId = memberId
        self.dossierCode = dossierCode
        self.kind = kind
        self.fromOrganisationCode = fromOrganisationCode
        self.toOrganisationCode = toOrganisationCode
        self.until = until
        self.transferredAt = transferredAt
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
    public var reportedAt: Date

    public init(dossierCode: String, memberId: String, paidUpToMonth: String?, reportedAt: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.paidUpToMonth = paidUpToMonth
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

/// A temporary transfer's period changes: `temporary-transfer.ending.v1` (reminder to both
/// organisations before the end), `temporary-transfer.extended.v1`, `temporary-transfer.closed.v1`
/// (the member returns to the official organisation).
public struct TemporaryTransferV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var memberId: String
    public var officialOrganisationCode: String
    public var temporaryOrganisationCode: String
    /// The last day of the period (`yyyy-MM-dd`).
    public var endsOn: String
    public var reason: String?
    public var at: Date

    public init(dossierCode: String, memberId: String, officialOrganisationCode: String,
                temporaryOrganisationCode: String, endsOn: String, reason: String?, at: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.officialOrganisationCode = officialOrganisationCode
        self.temporaryOrganisationCode = temporaryOrganisationCode
        self.endsOn = endsOn
        self.reason = reason
        self.at = at
    }
}

extension MessageType {
    public static let organisationRegistered = MessageType("organisation.registered", major: 1)
    public static let organisationUpdated = MessageType("organisation.updated", major: 1)
    public static let dossierStepReminder = MessageType("dossier.step-reminder", major: 1)
    public static let dossierStepOverdue = MessageType("dossier.step-overdue", major: 1)
    public static let memberTransferred = MessageType("member.transferred", major: 1)
    public static let duesStatusRequested = MessageType("dues.status-requested", major: 1)
    public static let duesStatusReported = MessageType("dues.status-reported", major: 1)
    public static let temporaryTransferEnding = MessageType("temporary-transfer.ending", major: 1)
    public static let temporaryTransferExtended = MessageType("temporary-transfer.extended", major: 1)
    public static let temporaryTransferClosed = MessageType("temporary-transfer.closed", major: 1)
}
