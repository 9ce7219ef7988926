import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Persistence
import ServiceKit
import Signatures

/// The status desk (Đ.5.8), `GET /v1/dossiers/{code}`. Dossier codes are sequential, so anyone
/// could enumerate them: the code alone shows only the status. The whole view (times, deadline,
/// the history with each event's details: the problems to fix, a refusal's reason, the result
/// code) needs proof of being the submitter: the receipt secret (`X-Receipt-Secret`, or `?secret=`
/// in a link the integrator gives its member), or the bearer token of the integrator that submitted it.
struct StatusDesk: Sendable {
    let verificationURL: @Sendable (String) -> String

    enum Caller {
        case anyone
        case secret(String)
        case integratorToken(String)
    }

    static func caller(of request: Request) -> Caller {
        if let secret = request.headers[HTTPField.Name("X-Receipt-Secret")!] ?? request.uri.queryParameters.get("secret") {
            return .secret(secret)
        }
        if let token = request.headers[.authorization].flatMap(bearerToken) { return .integratorToken(token) }
        return .anyone
    }

    func status(code: String, request: Request, resources: ServiceResources) async throws -> Response {
        guard code.range(of: "^[A-Z0-9.]{2,32}-[0-9]{6}-[0-9]{6,}$", options: .regularExpression) != nil else {
            return HTTPError.response(.badRequest, "invalid-dossier-code", "Mã hồ sơ không đúng định dạng.")
        }
        let caller = Self.caller(of: request)
        let answer: Response? = try await resources.database.run { db in
            guard let row = try db.execute("""
                SELECT code, procedure_code, receiving_organisation_code, integrator, receipt_secret,
                       \(PublicDossierStatus.currentSQL(of: "dossiers.code")) AS status,
                       \(rfc3339SQL("deadline")) AS deadline,
                       \(rfc3339SQL("received_at")) AS received_at,
                       \(rfc3339SQL("official_receipt_at")) AS official_receipt_at
                FROM dossiers WHERE code = $1
                """, [code]).first else { return nil }
            let status = try row.value(PublicDossierStatus.self, "status")
            var view = DossierStatus(dossierCode: code, status: status, statusLabel: status.label, verificationUrl: verificationURL(code))
            // The whole view is the member's data: who saw it, or tried to, is audited (the status
            // alone is not, and anyone may ask it as often as they like).
            func audit(_ kind: AuditEntry.ActorKind, _ actor: String, allowed: Bool, _ detail: String) throws {
                try AuditLog.append([AuditEntry(at: resources.clock.now, actorKind: kind, actorId: actor, action: "read-dossier-status",
                                                dossierCode: code, allowed: allowed, detail: detail, origin: "http")], db: db)
            }
            switch caller {
            case .anyone:
                return try jsonResponse(.ok, view)
            case .secret(let secret):
                guard constantTimeEqual(Array(secret.utf8), Array(try row.string("receipt_secret").utf8)) else {
                    try audit(.public, "-", allowed: false, "receipt secret mismatch")
                    return HTTPError.response(.forbidden, "receipt-secret-mismatch",
                                              "Mã bí mật không khớp với phiếu tiếp nhận của hồ sơ \(code).")
                }
                try audit(.public, "-", allowed: true, "with the receipt secret")
            case .integratorToken(let token):
                guard let integrator = try Integrators.named(byToken: token, db: db) else { return Integrators.unauthenticated }
                guard try integrator == row.string("integrator") else {
                    try audit(.integrator, integrator, allowed: false, "not its dossier")
                    return HTTPError.response(.forbidden, "not-your-dossier", "Hồ sơ \(code) không do hệ thống của quý vị nộp.")
                }
                try audit(.integrator, integrator, allowed: true, "the integrator's view")
            }
            view.procedureCode = try row.string("procedure_code")
            view.receivingOrganisationCode = try row.string("receiving_organisation_code")
            view.receivedAt = try row.string("received_at")
            view.officialReceiptAt = try row.string("official_receipt_at")
            view.deadline = try row.optionalString("deadline")
            view.history = try db.execute("""
                SELECT event_type, summary, details::text AS details, \(rfc3339SQL("occurred_at")) AS occurred_at
                FROM dossier_events WHERE dossier_code = $1 ORDER BY occurred_at, event_type
                """, [code]).rows.map {
                DossierStatus.Event(type: try $0.string("event_type"), at: try $0.string("occurred_at"),
                                    summary: try $0.string("summary"),
                                    details: try $0.optionalString("details").map { try WireJSON.decode(JSONValue.self, from: Array($0.utf8)) })
            }
            // While organisations handle it: the step it waits on, with its organisation and deadline.
            if status == .inProgress {
                view.currentStep = view.history?.last { $0.type == MessageType.dossierStepAssigned.routingKey }?.details
            }
            return try jsonResponse(.ok, view)
        }
        return answer ?? HTTPError.response(.notFound, "dossier-not-found", "Không tìm thấy hồ sơ có mã \(code).")
    }
}

/// A dossier on the status desk: for anyone, only its status; for its submitter, the rest too.
struct DossierStatus: Encodable, Sendable {
    struct Event: Encodable, Sendable {
        let type: String
        let at: String
        let summary: String
        /// What the event says to the submitter (problems, reason, step, result code).
        let details: JSONValue?
    }

    let dossierCode: String
    let status: PublicDossierStatus
    let statusLabel: String
    /// The address encoded in the receipt's QR code.
    let verificationUrl: String
    var procedureCode: String?
    var receivingOrganisationCode: String?
    var receivedAt: String?
    var officialReceiptAt: String?
    /// Processing deadline: the procedure's time limit in working days from the official receipt.
    var deadline: String?
    /// In progress: the current step (`stepNumber`, `stepCode`, `organisationCode`, `deadline`).
    var currentStep: JSONValue?
    var history: [Event]?
}
