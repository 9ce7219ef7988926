import Foundation

// Messages of the content check (Đ.14.2–14.3), amendments (Đ.15) and the member registry replica.

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
    /// Increases with every change of this member in the registry; older updates are ignored.
    public var revision: Int

    public init(memberId: String, citizenId: String, partyCardNumber: String, fullName: String, dateOfBirth: String,
                status: Status, standing: Standing = .active, organisationCode: String, insuredSalary: Int? = nil,
                pension: Int? = nil, email: String? = nil, phone: String? = nil, revision: Int = 1) {
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

/// A value the system filled in from what it already knows ("ask only once", Đ.7.2g).
public struct PrefilledField: Codable, Sendable, Equatable {
    /// JSON path in the submission, e.g. `$.data.form.ngaySinh`.
    public var path: String
    public var value: String
    /// Where it came from: `member-registry`.
    public var source: String

    public init(path: String, value: String, source: String = "member-registry") {
        self.path = path
        self.value = value
        self.source = source
    }
}

/// `dossier.supplement-received.v1`: intake took an amendment (Đ.15) for an existing dossier;
/// the dossier code does not change.
public struct DossierSupplementReceivedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var integrator: String
    public var clientSubmissionId: String
    /// Changed or added form fields.
    public var form: [String: String]
    /// New versions of components (replacing the component with the same code).
    public var attachments: [AttachmentReference]
    public var note: String?
    public var receivedAt: Date

    public init(dossierCode: String, integrator: String, clientSubmissionId: String, form: [String: String],
                attachments: [AttachmentReference], note: String?, receivedAt: Date) {
        self.dossierCode = dossierCode
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.form = form
        self.attachments = attachments
        self.note = note
        self.receivedAt = receivedAt
    }
}

extension DossierSupplementReceivedV1 {
    /// The receipt as answered to the sender, without the attachments' bytes.
    public var withoutDocumentBytes: DossierSupplementReceivedV1 {
        var copy = self
        copy.attachments = attachments.map(\.withoutBytes)
        return copy
    }
}

/// `dossier.refused.v1`: the member is not eligible for the procedure at all; the reason is stated
/// (Nghị định 137). No supplement can change it.
public struct DossierRefusedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var procedureCode: String
    public var memberId: String
    public var refusingOrganisationCode: String
    public var reasonCode: String
    /// Vietnamese, for the member.
    public var reason: String
    public var refusedAt: Date

    public init(dossierCode: String, procedureCode: String, memberId: String, refusingOrganisationCode: String,
                reasonCode: String, reason: String, refusedAt: Date) {
        self.dossierCode = dossierCode
        self.procedureCode = procedureCode
        self.memberId = memberId
        self.refusingOrganisationCode = refusingOrganisationCode
        self.reasonCode = reasonCode
        self.reason = reason
        self.refusedAt = refusedAt
    }
}

/// `dossier.check-overdue.v1`: the receiving organisation did not finish the content check within
/// 8 working hours (1 working day for complex procedures) of the official receipt time (Đ.14.3).
public struct DossierCheckOverdueV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var receivingOrganisationCode: String
    public var deadline: Date
    /// Why the check is still open, e.g. `awaiting-member-registry`.
    public var waitingFor: String
    public var detectedAt: Date

    public init(dossierCode: String, receivingOrganisationCode: String, deadline: Date, waitingFor: String,
                detectedAt: Date) {
        self.dossierCode = dossierCode
        self.receivingOrganisationCode = receivingOrganisationCode
        self.deadline = deadline
        self.waitingFor = waitingFor
        self.detectedAt = detectedAt
    }
}

extension MessageType {
    public static let memberRegistered = MessageType("member.registered", major: 1)
    public static let memberUpdated = MessageType("member.updated", major: 1)
    public static let dossierSupplementReceived = MessageType("dossier.supplement-received", major: 1)
    public static let dossierRefused = MessageType("dossier.refused", major: 1)
    public static let dossierCheckOverdue = MessageType("dossier.check-overdue", major: 1)
}
