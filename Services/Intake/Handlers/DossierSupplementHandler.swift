import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.supplement.v1` (Đ.15): the submitter's integrator amends a dossier that awaits a
/// supplement. Intake checks it technically, keeps it, and emits `dossier.supplement-received.v1`
/// for validation (same dossier code), answering `reply_to` with it — or with `dossier.rejected.v1`
/// listing every problem. Idempotent by (integrator, clientSubmissionId).
struct DossierSupplementHandler: MessageHandler {
    let tables = ["supplements", "dossier_events"]
    let messageType = MessageType.dossierSupplement
    let catalog: ProcedureCatalog
    let content: SealedContent

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let supplement = try message.decode(DossierSupplementV1.self).data
        context.noteAudit(of: message, dossierCode: String(supplement.dossierCode.prefix(64)), detail: "taken")
        // Texts and numbers the database would refuse are answered before any statement uses them.
        let textProblems = WireText.problems(in: supplement)
        if !textProblems.isEmpty {
            return try reject(message, supplement, integrator: integrator, problems: textProblems, context: context)
        }
        switch try earlier(supplement, integrator: integrator, db: context.db) {
        case .none: break
        case .reused: return try reject(message, supplement, integrator: integrator, problems: [TechnicalCheck.keyReused], context: context)
        case .same(let receipt):
            return try context.reply(to: message, .dossierSupplementReceived, subject: receipt.dossierCode, data: receipt.withoutDocumentBytes)
        }
        let problems = try problems(of: supplement, integrator: integrator, db: context.db)
        guard problems.isEmpty else {
            return try reject(message, supplement, integrator: integrator, problems: problems, context: context)
        }
        let receipt = DossierSupplementReceivedV1(
            dossierCode: supplement.dossierCode, integrator: integrator, clientSubmissionId: supplement.clientSubmissionId,
            form: supplement.form, attachments: supplement.attachments, note: supplement.note, receivedAt: context.now,
            submitter: supplement.submitter)
        let sealed = try content.seal(receipt.withoutDocumentBytes, context: SealedColumn.supplementContext(
            integrator: integrator, clientSubmissionId: supplement.clientSubmissionId))
        try context.db.execute("""
            INSERT INTO supplements (integrator, client_submission_id, dossier_code, received_at, receipt_key_id, receipt_sealed)
            VALUES ($1, $2, $3, $4::timestamptz, $5, $6::bytea)
            """, [integrator, supplement.clientSubmissionId, supplement.dossierCode, context.now, sealed.keyId, ByteA(sealed.bytes)])
        try context.db.execute("""
            INSERT INTO dossier_events (message_id, dossier_code, event_type, occurred_at, summary, status)
            VALUES ($1, $2, $3, $4::timestamptz, $5, $6)
            """, ["supplement:\(integrator):\(supplement.clientSubmissionId)", supplement.dossierCode,
                  MessageType.dossierSupplementReceived.routingKey, context.now,
                  "Đã nhận hồ sơ bổ sung.", PublicDossierStatus.supplementReceived.rawValue])
        try context.emit(.dossierSupplementReceived, subject: supplement.dossierCode, data: receipt, causedBy: message)
        try context.tellIntegrator(integrator, .dossierSupplementReceived, subject: supplement.dossierCode,
                                   data: receipt.withoutDocumentBytes, causedBy: message)
        try context.reply(to: message, .dossierSupplementReceived, subject: supplement.dossierCode, data: receipt.withoutDocumentBytes)
    }

    /// An amendment taken before under the same client submission id.
    enum Earlier {
        case none
        /// The same amendment: answered with its receipt.
        case same(DossierSupplementReceivedV1)
        /// Other content under the same id: `idempotency-key-reused`.
        case reused
    }

    func earlier(_ supplement: DossierSupplementV1, integrator: String, db: PostgresConnection) throws -> Earlier {
        guard let stored = try db.execute("""
            SELECT \(SealedColumn.supplementReceipt.select()) FROM supplements WHERE integrator = $1 AND client_submission_id = $2
            """, [integrator, supplement.clientSubmissionId]).first else { return .none }
        let receipt = try content.open(DossierSupplementReceivedV1.self, row: stored, in: .supplementReceipt,
                                       context: SealedColumn.supplementContext(integrator: integrator, clientSubmissionId: supplement.clientSubmissionId))
        guard receipt.dossierCode == supplement.dossierCode, receipt.form == supplement.form,
              receipt.attachments == supplement.attachments.map(\.withoutBytes), receipt.note == supplement.note,
              receipt.submitter == supplement.submitter else { return .reused }
        return .same(receipt)
    }

    /// The same message again: the answer it got (its receipt, or the problems it has now), with
    /// nothing emitted again.
    func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws {
        guard message.replyTo != nil else { return }
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let supplement = try message.decode(DossierSupplementV1.self).data
        var problems = WireText.problems(in: supplement)
        if problems.isEmpty {
            switch try earlier(supplement, integrator: integrator, db: context.db) {
            case .same(let receipt):
                return try context.reply(to: message, .dossierSupplementReceived, subject: receipt.dossierCode,
                                         data: receipt.withoutDocumentBytes)
            case .reused: problems = [TechnicalCheck.keyReused]
            case .none: problems = try self.problems(of: supplement, integrator: integrator, db: context.db)
            }
        }
        try context.reply(to: message, .dossierRejected, subject: DossierCommands.subject(supplement.dossierCode),
                          data: DossierRejectedV1(integrator: integrator, clientSubmissionId: supplement.clientSubmissionId, problems: problems))
    }

    /// Only the integrator that submitted the dossier may amend it, only while a supplement is
    /// requested; the new fields and components are checked like a submission's.
    /// Every problem at once, as an event and an answer to the sender; nothing is stored.
    private func reject(_ message: IncomingMessage, _ supplement: DossierSupplementV1, integrator: String, problems: [Problem],
                        context: HandlerContext) throws {
        let rejected = DossierRejectedV1(integrator: integrator, clientSubmissionId: supplement.clientSubmissionId,
                                         problems: problems)
        IntakeAudit.received("dossier.supplement.v1", integrator: integrator, message: message, code: String(supplement.dossierCode.prefix(64)),
                             memberId: nil, rejected: rejected, detail: "", context: context)
        let subject = DossierCommands.subject(supplement.dossierCode)
        try context.emit(.dossierRejected, subject: subject, data: rejected, causedBy: message)
        try context.reply(to: message, .dossierRejected, subject: subject, data: rejected)
    }

    func problems(of supplement: DossierSupplementV1, integrator: String, db: PostgresConnection) throws -> [Problem] {
        try DossierCommands.lock(supplement.dossierCode, db: db)
        guard let dossier = try db.execute("""
            SELECT integrator, \(PublicDossierStatus.currentSQL(of: "dossiers.code")) AS status, procedure_code, \(SealedColumn.submission.select()),
                   \(rfc3339SQL("received_at")) AS received_at,
                   EXISTS (SELECT 1 FROM withdrawals w WHERE w.dossier_code = dossiers.code) AS withdrawing
            FROM dossiers WHERE code = $1
            """, [supplement.dossierCode]).first, try dossier.string("integrator") == integrator else {
            return [DossierCommands.unknownDossier(supplement.dossierCode)]
        }
        // A dossier being withdrawn takes no amendment, even before its holder has closed it.
        guard try dossier.value(PublicDossierStatus.self, "status") == .supplementRequested, try !dossier.bool("withdrawing") else {
            return [Problem(code: "not-awaiting-supplement", path: "$.data.dossierCode",
                            message: "Hồ sơ \(supplement.dossierCode) không ở trạng thái chờ bổ sung nên không nhận hồ sơ bổ sung.")]
        }
        if supplement.form.isEmpty && supplement.attachments.isEmpty && (supplement.submitter?.isEmpty ?? true) {
            return [Problem(code: "empty-supplement", path: "$.data", message: "Hồ sơ bổ sung không có nội dung nào.")]
        }
        let submitted = try content.open(DossierSubmitV1.self, row: dossier, in: .submission,
                                         context: SealedColumn.submissionContext(supplement.dossierCode))
        // The version the dossier was submitted under (Đ.29.3).
        let submittedAt = WireJSON.parseTimestamp(try dossier.string("received_at")) ?? Date()
        let procedure = catalog.procedure(try dossier.string("procedure_code"), at: submittedAt)
        var form = submitted.form
        for (name, value) in supplement.form { form[name] = value }
        return (procedure?.form.problems(in: form, formVersion: nil, registryFillsEmpty: true) ?? [])
            + TechnicalCheck.attachmentProblems(supplement.attachments, procedure: procedure)
            + TechnicalCheck.correctionProblems(supplement.submitter)
    }
}
