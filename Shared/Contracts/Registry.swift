import Foundation

// The registries TTHC replicates: party members (Cơ sở dữ liệu đảng viên) and party organisations, and
// a member's transfer.

/// A party member (đảng viên) as the member registry (Cơ sở dữ liệu đảng viên) knows them;
/// the payload of `member.registered.v1` and `member.updated.v1`.
public struct MemberRecord: Codable, Sendable, Equatable {
    /// `chinh-thuc` (full) or `du-bi` (probationary).
    public enum Status: String, Codable, Sendable { case full = "chinh-thuc", probationary = "du-bi" }
    /// Whether the member may use procedures: active members only.
    public enum Standing: String, Codable, Sendable {
        case active = "dang-sinh-hoat"
        case removed = "da-xoa-ten"
        case deceased = "da-tu-tran"
    }

    public var memberId: String
    /// Citizen id (số định danh cá nhân), 12 digits.
    public var citizenId: String
    /// Party card number (số thẻ đảng viên).
    public var partyCardNumber: String
    /// Member record number (số lý lịch đảng viên) and register number (số đăng ký đảng viên): the
    /// introduction letter of a transfer carries both.
    public var recordNumber: String?
    public var registerNumber: String?
    public var fullName: String
    /// `yyyy-MM-dd`.
    public var dateOfBirth: String
    public var status: Status
    public var standing: Standing
    /// The cell (chi bộ) the member belongs to.
    public var organisationCode: String
    /// Insured salary of the previous month, VND (for dues, Quy định 01-QĐ/TW).
    public var insuredSalary: Int?
    /// Pension, VND (pensioners pay 0.5 %).
    public var pension: Int?
    public var email: String?
    public var phone: String?
    /// The channels the member chose to hear on besides the account (Đ.14.4), which cannot be
    /// opted out of; absent: e-mail when the registry has an address. An empty list opts out of both.
    public var notificationChannels: [NotificationChannel]?
    /// Increases with every change of this member in the registry; older updates are ignored.
    public var revision: Int

    public init(memberId: String, citizenId: String, partyCardNumber: String, fullName: String, dateOfBirth: String,
                status: Status, standing: Standing = .active, organisationCode: String, insuredSalary: Int? = nil,
                pension: Int? = nil, email: String? = nil, phone: String? = nil, revision: Int = 1,
                recordNumber: String? = nil, registerNumber: String? = nil) {
        self.recordNumber = recordNumber
        self.registerNumber = registerNumber
        self.memberId = memberId
        self.citizenId = citizenId
        self.partyCardNumber = partyCardNumber
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.status = status
        self.standing = standing
        self.organisationCode = organisationCode
        self.insuredSalary = insuredSalary
        self.pension = pension
        self.email = email
        self.phone = phone
        self.revision = revision
    }
}

/// A channel a notice may also go by, besides the member's account.
public enum NotificationChannel: String, Codable, Sendable, CaseIterable { case email, sms }

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

extension MessageType {
    public static let memberRegistered = MessageType("member.registered", major: 1)
    public static let memberUpdated = MessageType("member.updated", major: 1)
    public static let organisationRegistered = MessageType("organisation.registered", major: 1)
    public static let organisationUpdated = MessageType("organisation.updated", major: 1)
    public static let memberTransferred = MessageType("member.transferred", major: 1)
}
