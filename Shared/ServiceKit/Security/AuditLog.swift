import Foundation
import Hummingbird
import Persistence
import Contracts
import Messaging
import Signatures

/// Who saw or changed what (Đ.19.3b, Đ.34.6b): one entry per act, allowed or not, in the
/// service's own `audit_log` table, written in the same transaction as what it records. Every
/// message a consumer handles or dead-letters and every timer that fires is an entry of its own
/// (`ConsumerWorker`, `TimerWorker`); officers' and integrators' HTTP acts are recorded by their
/// routes. The table is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and every
/// row is a link of a hash chain (`AuditChain`), so a changed or removed row is found by
/// `tthc-admin audit verify`.
public struct AuditEntry: Sendable {
    /// Who acted, by what proves it: an officer's verified token, the broker's `user_id`, an
    /// integrator's token, the service itself (a timer), or nobody (a public lookup).
    public enum ActorKind: String, Sendable, CaseIterable {
        case officer
        case integrator
        case organisationSoftware = "organisation-software"
        case registry
        case service
        case `public`
        /// A message whose sender the broker did not name (published before user ids were checked).
        case unknown

        /// The kind of a message's verified sender: a service's own user, a registry, an
        /// organisation's software or an integrator by the commands they may send.
        public static func of(sender: String?, type: MessageType) -> ActorKind {
            guard let sender else { return .unknown }
            if MessageDirectory.serviceUsers.contains(sender) { return .service }
            if MessageDirectory.registries[sender] != nil { return .registry }
            if MessageDirectory.organisationSoftwareCommands.contains(type) { return .organisationSoftware }
            if MessageDirectory.integratorCommands.contains(type) { return .integrator }
            return .unknown
        }
    }

    public var at: Date
    public var actorKind: ActorKind
    /// The actor: an officer's person id, a broker user, an integrator, the service's name, or "-".
    public var actorId: String
    public var organisationCode: String?
    public var role: String?
    /// What was done: an officer's act (`decide`), a message type handled (`dossier.received.v1`),
    /// a timer (`timer:step-overdue`), a public lookup (`read-public-status`).
    public var action: String
    public var dossierCode: String?
    /// Whose personal data the act touched (a party member), for `tthc-admin audit subject`.
    public var memberId: String?
    public var allowed: Bool
    public var detail: String?
    /// From where: `amqp:<queue>`, `http`, `timer`.
    public var origin: String?

    public init(at: Date, actorKind: ActorKind, actorId: String, organisationCode: String? = nil, role: String? = nil,
                action: String, dossierCode: String? = nil, memberId: String? = nil, allowed: Bool, detail: String? = nil,
                origin: String? = nil) {
        self.at = at
        self.actorKind = actorKind
        self.actorId = actorId
        self.organisationCode = organisationCode
        self.role = role
        self.action = action
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.allowed = allowed
        self.detail = detail
        self.origin = origin
    }
}

public enum AuditLog {
    /// Links `entries` to the session's chain (`audit_append`, from the shared audit migration),
    /// sent with the transaction's next statement or its commit.
    public static func append(_ entries: [AuditEntry], db: PostgresConnection) throws {
        guard !entries.isEmpty else { return }
        // Texts a sender controls (a message id, a subject) are kept storable: a dead letter's
        // entry must not fail on what PostgreSQL refuses (NUL) and take the dead letter with it.
        let entries = entries.map(\.storable)
        try db.executeDeferred("""
            SELECT audit_append($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[],
                                $8::text[], $9::text[], $10::text[], $11::text[])
            """, [PostgresArray(entries.map(\.at)), PostgresArray(entries.map(\.actorId)), PostgresArray(entries.map(\.organisationCode)),
                  PostgresArray(entries.map(\.role)), PostgresArray(entries.map(\.action)), PostgresArray(entries.map(\.dossierCode)),
                  PostgresArray(entries.map(\.allowed)), PostgresArray(entries.map(\.detail)),
                  PostgresArray(entries.map(\.actorKind.rawValue)), PostgresArray(entries.map(\.memberId)),
                  PostgresArray(entries.map(\.origin))])
    }

}

extension OfficerTokens {
    /// The officer of a request's `Authorization: Bearer` token, or nil (answer 401).
    /// The verified claims of the request's bearer token, if its role is one of `roles`: officers'
    /// edges take officers and auditors only, so a portal's token (role `portal`, notification's
    /// member inbox) opens nothing else whatever its `org` says.
    public func officer(of request: Request, roles: Set<String> = OfficerClaims.officerRoles) async -> OfficerClaims? {
        guard let token = request.headers[.authorization].flatMap(bearerToken),
              let claims = try? await verify(token), roles.contains(claims.role) else { return nil }
        return claims
    }

    /// The 401 answer for a missing or invalid officer token.
    public static var unauthenticated: Response {
        HTTPError.response(.unauthorized, "unauthenticated", "Thiếu hoặc sai mã xác thực của cán bộ (Authorization: Bearer).")
    }
}

extension AuditEntry {
    var storable: AuditEntry {
        func clean(_ text: String?, _ limit: Int = 256) -> String? { text.map { WireText.storable($0, limit: limit) } }
        var entry = self
        entry.actorId = clean(actorId)!
        entry.organisationCode = clean(organisationCode)
        entry.role = clean(role)
        entry.action = clean(action)!
        entry.dossierCode = clean(dossierCode)
        entry.memberId = clean(memberId)
        entry.detail = clean(detail, 1000)
        entry.origin = clean(origin)
        return entry
    }

    /// An officer's view or decision over HTTP, allowed or not.
    public static func officer(_ officer: OfficerClaims, action: String, dossierCode: String?, memberId: String? = nil,
                               allowed: Bool, detail: String? = nil, at: Date) -> AuditEntry {
        AuditEntry(at: at, actorKind: .officer, actorId: officer.sub.value, organisationCode: officer.org, role: officer.role,
                   action: action, dossierCode: dossierCode, memberId: memberId, allowed: allowed, detail: detail, origin: "http")
    }

    /// A message a consumer handled (`deadLettered` nil) or dead-lettered: its verified sender
    /// acted on the service, about the envelope's subject unless the handler said otherwise.
    static func message(_ delivery: Delivery, header: EnvelopeHeader?, note: HandlerContext.AuditNote?, queue: String,
                        at: Date, deadLettered: PermanentFailure? = nil) -> AuditEntry {
        // The type is read once: from the AMQP property, else the envelope; kept as sent when unknown.
        let type = delivery.properties.type.flatMap(MessageType.init(cloudEventType:)) ?? header.flatMap { MessageType(cloudEventType: $0.type) }
        let typeName = type?.routingKey ?? delivery.properties.type ?? "unknown"
        let kind = type.map { ActorKind.of(sender: delivery.properties.verifiedSender, type: $0) } ?? .unknown
        let id = header?.id ?? delivery.properties.messageId ?? "?"
        // The subject of the system's own events is their dossier (or PAKN item). What anyone
        // else sends (an integrator's, an organisation's software's, a registry's) is not taken on
        // its word: the handler names the dossier or the member from what it checked. A refused
        // message keeps the subject it was sent with: what someone tried to touch, marked refused.
        let subject = kind == .service || deadLettered != nil ? header?.subject : nil
        return AuditEntry(at: at, actorKind: kind, actorId: delivery.properties.verifiedSender ?? "-", action: typeName,
                          dossierCode: note.map(\.dossierCode) ?? subject, memberId: note?.memberId, allowed: deadLettered == nil && note?.allowed != false,
                          detail: deadLettered.map { "dead-lettered \($0.code): message \(id)" } ?? note?.detail ?? "message \(id)",
                          origin: "amqp:\(queue)")
    }

    /// A timer that fired: the service acted on its own, at the time it set.
    static func timer(_ timer: DueTimer, service: String, dossierCode: String?, note: HandlerContext.AuditNote?, at: Date) -> AuditEntry {
        AuditEntry(at: at, actorKind: .service, actorId: "tthc-\(service)", action: "timer:\(timer.kind)",
                   dossierCode: note?.dossierCode ?? dossierCode, memberId: note?.memberId, allowed: true,
                   detail: note?.detail ?? timer.key, origin: "timer")
    }
}

/// An audit log row as read back: the subject report (`tthc-admin audit subject`, with the
/// service it comes from) and an organisation's trail for its inspectors.
public struct AuditRecord: Encodable, Sendable {
    /// The schema (service) it was read from, when several are read together.
    public var service: String?
    public let id: Int
    public let at: String
    public let actorKind: String?
    public let personId: String
    public let organisationCode: String?
    public let role: String?
    public let action: String
    public let dossierCode: String?
    public let memberId: String?
    public let allowed: Bool
    public let detail: String?
    public let origin: String?

    /// The columns `init(row:)` reads, from `audit_log`.
    public static let columnsSQL = """
        id, \(rfc3339SQL("at")) AS at, actor_kind, person_id, organisation_code, role, action, dossier_code, member_id, allowed,
        detail, origin
        """

    public init(row: Row, service: String? = nil) throws {
        self.service = service
        id = try row.int("id")
        at = try row.string("at")
        actorKind = try row.optionalString("actor_kind")
        personId = try row.string("person_id")
        organisationCode = try row.optionalString("organisation_code")
        role = try row.optionalString("role")
        action = try row.string("action")
        dossierCode = try row.optionalString("dossier_code")
        memberId = try row.optionalString("member_id")
        allowed = try row.bool("allowed")
        detail = try row.optionalString("detail")
        origin = try row.optionalString("origin")
    }
}
