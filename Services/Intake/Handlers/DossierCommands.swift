import Contracts
import Persistence
import ServiceKit

/// What the commands on an existing dossier (amend, withdraw, extend a temporary transfer) share.
enum DossierCommands {
    /// Locks the dossier's row until the transaction ends, so that commands on one dossier go in
    /// turn; callers read it in a statement of their own afterwards (a statement that waited for
    /// the lock would read the status from before it).
    static func lock(_ code: String, db: PostgresConnection) throws {
        try db.executeDeferred("SELECT 1 FROM dossiers WHERE code = $1 FOR UPDATE", [code])
    }

    /// The dossier code as an answer's subject, when it is itself a clean identifier (an answer
    /// never echoes unchecked input).
    static func subject(_ dossierCode: String) -> String? {
        WireText.isCleanIdentifier(dossierCode) ? dossierCode : nil
    }

    /// Another integrator's dossier, or none: the same answer, so that codes cannot be probed.
    static func unknownDossier(_ code: String) -> Problem {
        Problem(code: "unknown-dossier", path: "$.data.dossierCode",
                message: "Không tìm thấy hồ sơ \(WireText.quote(code)) do hệ thống của quý vị nộp.")
    }

    /// A command's answer: new (the caller records it and emits its acknowledgement), the
    /// acknowledgement of an earlier request again, or its rejection.
    enum Answer<Acknowledgement: Codable & Sendable> {
        case new
        case earlier(Acknowledgement)
        case rejected([Problem])
    }

    /// The acknowledgement recorded for the integrator's request id in `table` (its `request`
    /// column), if any.
    static func recorded<Acknowledgement: Codable & Sendable>(
        _: Acknowledgement.Type, in table: String, integrator: String, clientSubmissionId: String, db: PostgresConnection
    ) throws -> Acknowledgement? {
        try db.execute("SELECT request::text AS request FROM \(table) WHERE integrator = $1 AND client_submission_id = $2",
                       [integrator, clientSubmissionId]).first.map { try $0.json(Acknowledgement.self, "request") }
    }

    /// Answers with the earlier acknowledgement or the rejection (a first rejection is also an
    /// event, `emitRejection`); a new request is the caller's to record.
    static func reply<Acknowledgement: Codable & Sendable>(
        _ answer: Answer<Acknowledgement>, as acknowledgementType: MessageType, to message: IncomingMessage,
        dossierCode: String, clientSubmissionId: String, integrator: String, emitRejection: Bool, context: HandlerContext
    ) throws {
        let subject = Self.subject(dossierCode)
        switch answer {
        case let .earlier(acknowledgement):
            try context.reply(to: message, acknowledgementType, subject: subject, data: acknowledgement)
        case let .rejected(problems):
            let rejected = DossierRejectedV1(integrator: integrator, clientSubmissionId: clientSubmissionId, problems: problems)
            if emitRejection { try context.emit(.dossierRejected, subject: subject, data: rejected, causedBy: message) }
            try context.reply(to: message, .dossierRejected, subject: subject, data: rejected)
        case .new:
            break  // a repeat: the first delivery recorded it
        }
    }
}

/// A command on an existing dossier: it names the dossier, the integrator's request id and the
/// member's reason.
protocol DossierCommand: Codable, Sendable {
    var dossierCode: String { get }
    var clientSubmissionId: String { get }
    var reason: String { get }
}

extension DossierCommand {
    /// The reason as recorded and compared (surrounding spaces are not the member's words).
    var trimmedReason: String { reason.trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension DossierWithdrawV1: DossierCommand {}
extension TemporaryTransferExtendV1: DossierCommand {}

/// A handler of a `DossierCommand`, answered with its acknowledgement or a rejection; a repeat
/// of a delivered message gets the answer it would get now, and nothing is emitted again.
protocol DossierCommandHandler: MessageHandler {
    associatedtype Command: DossierCommand
    associatedtype Acknowledgement: Codable & Sendable
    var acknowledgementType: MessageType { get }
    func answer(_ command: Command, integrator: String, db: PostgresConnection) throws -> DossierCommands.Answer<Acknowledgement>
}

extension DossierCommandHandler {
    func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws {
        guard message.replyTo != nil else { return }
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let command = try message.decode(Command.self).data
        try reply(try answer(command, integrator: integrator, db: context.db), to: message, command: command,
                  integrator: integrator, emitRejection: false, context: context)
    }

    /// The earlier acknowledgement or the rejection (a first rejection is also an event).
    func reply(_ answer: DossierCommands.Answer<Acknowledgement>, to message: IncomingMessage, command: Command,
               integrator: String, emitRejection: Bool, context: HandlerContext) throws {
        try DossierCommands.reply(answer, as: acknowledgementType, to: message, dossierCode: command.dossierCode,
                                  clientSubmissionId: command.clientSubmissionId, integrator: integrator,
                                  emitRejection: emitRejection, context: context)
    }

    /// The common path of a command answered by `answer`: the integrator the broker verified, the
    /// command (its dossier named in the audit entry), then a new request made into its
    /// acknowledgement and taken (`accept`), anything else answered (`reply`).
    func take(_ message: IncomingMessage, in table: String, context: HandlerContext,
              timeline: (Command) -> (prefix: String, summary: String, details: [String: String]),
              acknowledgement: (Command, _ integrator: String) throws -> Acknowledgement) throws {
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let command = try message.decode(Command.self).data
        let answer = try answer(command, integrator: integrator, db: context.db)
        IntakeAudit.command(messageType.routingKey, integrator: integrator, message: message, code: command.dossierCode, answer: answer,
                            context: context)
        guard case .new = answer else {
            return try reply(answer, to: message, command: command, integrator: integrator, emitRejection: true, context: context)
        }
        try accept(try acknowledgement(command, integrator), in: table, command: command, integrator: integrator,
                   timeline: timeline(command), message: message, context: context)
    }

    /// Takes a new request: recorded in `table` once per request id, put on the dossier's timeline
    /// without a status of its own (the holder of the dossier answers it with its own event), then
    /// emitted and answered.
    func accept(_ acknowledgement: Acknowledgement, in table: String, command: Command, integrator: String,
                timeline: (prefix: String, summary: String, details: [String: String]),
                message: IncomingMessage, context: HandlerContext) throws {
        try context.db.execute("""
            INSERT INTO \(table) (integrator, client_submission_id, dossier_code, requested_at, request)
            VALUES ($1, $2, $3, $4::timestamptz, $5::jsonb)
            """, [integrator, command.clientSubmissionId, command.dossierCode, context.now, try JSONText(acknowledgement)])
        try context.db.execute("""
            INSERT INTO dossier_events (message_id, dossier_code, event_type, occurred_at, summary, details)
            VALUES ($1, $2, $3, $4::timestamptz, $5, $6::jsonb)
            """, ["\(timeline.prefix):\(integrator):\(command.clientSubmissionId)", command.dossierCode,
                  acknowledgementType.routingKey, context.now, timeline.summary, try JSONText(timeline.details)])
        try context.emit(acknowledgementType, subject: command.dossierCode, data: acknowledgement, causedBy: message)
        try context.reply(to: message, acknowledgementType, subject: command.dossierCode, data: acknowledgement)
    }
}
