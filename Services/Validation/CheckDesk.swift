import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// Validation's dossier file: the registry replica, the encrypted revisions, and the outcome of
/// each check recorded and announced in the handler's transaction. Shared by the handlers; all SQL
/// of validation's tables (`dossiers`, `dossier_revisions`, `members`) is in `CheckDesk+Tables.swift`.
struct CheckDesk: Sendable {
    let check: ContentCheck
    let cipher: HistoryCipher

    static let overdueTimer = "check-overdue"
    /// A requested supplement that never comes closes the dossier (SupplementExpiryTimer).
    static let supplementExpiryTimer = "supplement-expiry"

    // MARK: Revisions (Đ.15: every version kept, encrypted)

    func context(_ code: String, _ revision: Int) -> String { "\(code)#\(revision)" }
    /// The history's rows, sealed like every service's dossier content (`SealedContent`).
    var sealing: SealedContent { SealedContent(cipher: cipher) }

    func sealedRevision(_ content: DossierContent, revision: Int) throws -> HistoryCipher.Sealed {
        try sealing.seal(content, context: context(content.dossierCode, revision))
    }

    // MARK: Outcomes

    /// Re-checks an existing dossier (after an amendment or when its member reached the registry),
    /// records the outcome and emits it.
    /// `awaitingDocuments`: false at the check deadline, when what has not arrived is a problem;
    /// `lockingDocuments`: see `documentFacts`.
    func recheck(_ content: DossierContent, revision: Int, member: MemberRecord?, deadline: Date,
                 cause: IncomingMessage?, context: HandlerContext, awaitingDocuments: Bool = true, lockingDocuments: Bool = true) throws {
        let delegate = try content.delegation?.memberDelegateId.flatMap { try members([$0], db: context.db)[$0] }
        let documents = try documentFacts(of: [content], locking: lockingDocuments, db: context.db)
        let results = try resultFacts(of: [content], locking: lockingDocuments, db: context.db)[content.dossierCode] ?? [:]
        let outcome = check.check(content, member: member, delegate: delegate, documents: documents, results: results,
                                  awaitingDocuments: awaitingDocuments)
        try record(outcome, for: content, revision: revision, deadline: deadline, context: context)
        try Timers.cancel(kinds: [Self.overdueTimer, Self.supplementExpiryTimer], key: content.dossierCode, in: context)
        try announce(outcome, for: content, deadline: deadline, cause: cause, context: context)
    }

    /// The event of an outcome; a dossier still awaiting the registry gets its overdue timer instead.
    func announce(_ outcome: CheckOutcome, for content: DossierContent, deadline: Date, cause: IncomingMessage?,
                  context: HandlerContext) throws {
        let code = content.dossierCode
        switch outcome {
        case let .accepted(procedureVersion, form, submitter, prefilled):
            try context.emit(.dossierAccepted, subject: code, data: DossierAcceptedV1(
                dossierCode: code, procedureCode: content.procedureCode,
                receivingOrganisationCode: content.receivingOrganisationCode, submitter: submitter,
                officialReceiptAt: content.officialReceiptAt, acceptedAt: context.now, procedureVersion: procedureVersion,
                form: form, prefilled: prefilled, memberOrganisationCode: form["chiBoHienTai"],
                delegation: content.delegation?.withoutDocumentBytes), causedBy: cause)
        case let .supplementRequested(procedureVersion, problems):
            try context.emit(.dossierSupplementRequested, subject: code, data: DossierSupplementRequestedV1(
                dossierCode: code, requestingOrganisationCode: content.receivingOrganisationCode, problems: problems,
                deadline: deadline, requestedAt: context.now, procedureVersion: procedureVersion,
                memberId: content.submitter.memberId), causedBy: cause)
            try awaitSupplement(code, until: try supplementDeadline(procedureCode: content.procedureCode,
                                                                    organisation: content.receivingOrganisationCode, context: context),
                                context: context)
        case let .refused(reasonCode, reason):
            try context.emit(.dossierRefused, subject: code, data: DossierRefusedV1(
                dossierCode: code, procedureCode: content.procedureCode, memberId: content.submitter.memberId,
                refusingOrganisationCode: content.receivingOrganisationCode, reasonCode: reasonCode, reason: reason,
                refusedAt: context.now), causedBy: cause)
        case .awaitingDocuments(let ids):
            try awaitDocuments(ids, dossier: code, db: context.db)
            try Timers.schedule(kind: Self.overdueTimer, key: code, dueAt: deadline,
                                payload: OverduePayload(dossierCode: code), in: context)
        case .awaitingRegistry:
            try Timers.schedule(kind: Self.overdueTimer, key: code, dueAt: deadline,
                                payload: OverduePayload(dossierCode: code), in: context)
        }
    }
}

extension CheckDesk {
    /// The end of the procedure's `supplementWaitWorkingDays` from now, in the receiving
    /// organisation's working days.
    func supplementDeadline(procedureCode: String, organisation: String, context: HandlerContext) throws -> Date {
        let days = check.catalog.procedure(procedureCode, at: context.now)?.supplementWaitWorkingDays ?? 30
        let calendar = try check.calendars.calendars(for: [organisation], db: context.db)[organisation]
            ?? check.calendars.calendar(for: organisation)
        return try calendar.adding(workingDays: days, to: context.now)
    }

    /// Schedules the close of a dossier whose requested supplement does not come by `deadline`.
    func awaitSupplement(_ code: String, until deadline: Date, context: HandlerContext) throws {
        try Timers.schedule(kind: Self.supplementExpiryTimer, key: code, dueAt: deadline,
                            payload: OverduePayload(dossierCode: code), in: context)
    }
}

struct OverduePayload: Codable, Sendable {
    let dossierCode: String
}

extension CheckOutcome {
    var procedureVersion: Int? {
        switch self {
        case let .accepted(version, _, _, _), let .supplementRequested(version, _): version
        default: nil
        }
    }

    var problemsJSON: String? {
        get throws {
            switch self {
            case let .supplementRequested(_, problems): try JSONText(problems).text
            case let .refused(code, reason):
                try JSONText([Problem(code: code, path: "$", message: reason)]).text
            default: nil
            }
        }
    }
}

extension SealedColumn {
    /// The amendment history (Đ.15.2): each revision sealed with `context(code, revision)`, which
    /// this expression spells in SQL.
    static let revisions = SealedColumn(table: "dossier_revisions", sealed: "sealed", keyId: "key_id",
                                        contextSQL: "dossier_code || '#' || revision")
}
