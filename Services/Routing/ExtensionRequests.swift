import Contracts
import Foundation
import Persistence
import ServiceKit

/// A member's request to extend a temporary transfer (gia hạn sinh hoạt đảng tạm thời, DOMAIN
/// §12): the member asks the temporary committee and the official organisation is told. Routing
/// judges each request against the transfer in force: it waits for the temporary committee
/// (`temporary-transfer.extension-pending.v1`, to both organisations), or is refused at once
/// (`temporary-transfer.extension-refused.v1`); the committee grants it
/// (`temporary-transfer.extended.v1`) or refuses it with a reason.
struct ExtensionRequests: Sendable {
    let transfers: TemporaryTransfers

    /// `extension_requests.status`: requested → granted | refused (final).
    enum Status: String, Sendable {
        case requested, granted, refused
    }

    /// The temporary committee's answer.
    enum Decision: String, Decodable, Sendable {
        case grant, refuse
    }

    /// What a decision can meet instead of a waiting request.
    enum DecisionProblem: Error {
        case noWaitingRequest
        /// Granting is no longer possible (the transfer ended meanwhile): the request is refused.
        case cannotGrant(TemporaryTransfers.ExtensionRefusal)
    }

    /// `temporary-transfer.extension-requested.v1` from intake, once per message (inbox).
    func take(_ requested: TemporaryTransferExtensionRequestedV1, cause: IncomingMessage, context: HandlerContext) throws {
        let code = requested.dossierCode
        guard let current = try transfers.transfer(code, db: context.db) else {
            // Intake asks only for approved temporary transfers, which routing opened when it approved them.
            throw PermanentFailure(code: "no-temporary-transfer", reason: "dossier \(code) has no temporary transfer in routing")
        }
        var refusal: TemporaryTransfers.ExtensionRefusal?
        var proposedEnd = current.record.endsOn
        if current.status != .active {
            refusal = .notActive
        } else if try waiting(code, db: context.db) != nil {
            refusal = .alreadyRequested
        } else {
            switch transfers.proposedEnd(of: current, months: requested.months, at: context.now) {
            case let .success(end): proposedEnd = end
            case let .failure(found): refusal = found
            }
        }
        let status: Status = refusal == nil ? .requested : .refused
        try context.db.execute("""
            INSERT INTO extension_requests (request_id, dossier_code, months, proposed_ends_on, reason, requested_at, status,
                                            decided_at, decided_by, decision_reason)
            VALUES ($1, $2, $3, $4::date, $5, $6::timestamptz, $7, $8::timestamptz, $9, $10)
            """, ["\(requested.integrator):\(requested.clientSubmissionId)", code, requested.months, proposedEnd, requested.reason,
                  requested.requestedAt, status.rawValue, refusal == nil ? nil : context.now, refusal == nil ? nil : "routing",
                  refusal?.problem.message])
        let judged = Self.payload(current.record, months: requested.months, proposedEnd: proposedEnd, reason: requested.reason,
                                  refusal: refusal?.problem, at: context.now)
        try context.emit(refusal == nil ? .temporaryTransferExtensionPending : .temporaryTransferExtensionRefused,
                         subject: code, data: judged, causedBy: cause)
    }

    /// A decided request: the transfer extended, or the request refused.
    enum Outcome {
        case granted(TemporaryTransferV1)
        case refused(TemporaryTransferExtensionV1)
    }

    /// The committee decides the transfer's waiting request; granting extends the transfer.
    func decide(_ code: String, _ decision: Decision, reason: String, by actor: Actor,
                context: HandlerContext) throws -> Result<Outcome, DecisionProblem> {
        guard let current = try transfers.transfer(code, db: context.db),
              let request = try waiting(code, db: context.db) else { return .failure(.noWaitingRequest) }
        var refusal = Problem(code: "refused-by-committee", path: "$.data.reason", message: reason)
        var cannotGrant: TemporaryTransfers.ExtensionRefusal?
        if decision == .grant {
            switch try transfers.extend(code, months: request.months, reason: request.reason, context: context) {
            case let .success(record):
                try settle(request.id, .granted, by: actor, reason: reason, context: context)
                return .success(.granted(record))
            case let .failure(found):
                refusal = found.problem
                cannotGrant = found
            }
        }
        try settle(request.id, .refused, by: actor, reason: refusal.message, context: context)
        let refused = Self.payload(current.record, months: request.months, proposedEnd: request.proposedEnd,
                                   reason: request.reason, refusal: refusal, at: context.now)
        try context.emit(.temporaryTransferExtensionRefused, subject: code, data: refused)
        return cannotGrant.map { .failure(.cannotGrant($0)) } ?? .success(.refused(refused))
    }

    private func settle(_ id: String, _ status: Status, by actor: Actor, reason: String, context: HandlerContext) throws {
        try context.db.execute("""
            UPDATE extension_requests SET status = $2, decided_at = $3::timestamptz, decided_by = $4, decision_reason = $5
            WHERE request_id = $1
            """, [id, status.rawValue, context.now, actor.personId, reason])
    }

    /// The transfer ended with a request still waiting: refused with `refusal`, announced.
    func refuseWaiting(_ code: String, _ record: TemporaryTransferV1, because refusal: TemporaryTransfers.ExtensionRefusal,
                       context: HandlerContext) throws {
        guard let request = try waiting(code, db: context.db) else { return }
        try context.db.execute("""
            UPDATE extension_requests SET status = $2, decided_at = $3::timestamptz, decided_by = 'routing', decision_reason = $4
            WHERE request_id = $1
            """, [request.id, Status.refused.rawValue, context.now, refusal.problem.message])
        try context.emit(.temporaryTransferExtensionRefused, subject: code, data: Self.payload(
            record, months: request.months, proposedEnd: request.proposedEnd, reason: request.reason, refusal: refusal.problem,
            at: context.now))
    }

    /// The transfer's waiting request, if any.
    func waiting(_ code: String, db: PostgresConnection) throws -> (id: String, months: Int, proposedEnd: String, reason: String)? {
        try db.execute("""
            SELECT request_id, months, to_char(proposed_ends_on, 'YYYY-MM-DD') AS proposed, reason
            FROM extension_requests WHERE dossier_code = $1 AND status = $2
            """, [code, Status.requested.rawValue]).first.map {
            (try $0.string("request_id"), try $0.int("months"), try $0.string("proposed"), try $0.string("reason"))
        }
    }

    /// The requests waiting for the committees of `organisations`, oldest first.
    func waiting(for organisations: [String], db: PostgresConnection) throws -> [TemporaryTransferExtensionV1] {
        try db.execute("""
            SELECT r.dossier_code, t.member_id, t.official_organisation_code, t.temporary_organisation_code,
                   to_char(t.ends_on, 'YYYY-MM-DD') AS ends_on, r.months, to_char(r.proposed_ends_on, 'YYYY-MM-DD') AS proposed,
                   r.reason, \(rfc3339SQL("r.requested_at")) AS requested_at
            FROM extension_requests r JOIN temporary_transfers t USING (dossier_code)
            WHERE r.status = $2 AND t.temporary_organisation_code = ANY($1::text[]) AND t.status = $3
            ORDER BY r.requested_at, r.dossier_code
            """, [PostgresArray(organisations), Status.requested.rawValue, TemporaryTransfers.Status.active.rawValue]).rows.map {
            TemporaryTransferExtensionV1(
                dossierCode: try $0.string("dossier_code"), memberId: try $0.string("member_id"),
                officialOrganisationCode: try $0.string("official_organisation_code"),
                temporaryOrganisationCode: try $0.string("temporary_organisation_code"), endsOn: try $0.string("ends_on"),
                months: try $0.int("months"), proposedEndsOn: try $0.string("proposed"), reason: try $0.string("reason"),
                at: try Self.timestamp($0.string("requested_at")))
        }
    }

    /// A timestamp read back from `rfc3339SQL`; a value that is not one is an error, never a default.
    static func timestamp(_ text: String) throws -> Date {
        guard let date = WireJSON.parseTimestamp(text) else { throw RowError.badValue("requested_at", text) }
        return date
    }

    static func payload(_ record: TemporaryTransferV1, months: Int, proposedEnd: String, reason: String, refusal: Problem?,
                        at: Date) -> TemporaryTransferExtensionV1 {
        TemporaryTransferExtensionV1(
            dossierCode: record.dossierCode, memberId: record.memberId, officialOrganisationCode: record.officialOrganisationCode,
            temporaryOrganisationCode: record.temporaryOrganisationCode, endsOn: record.endsOn, months: months,
            proposedEndsOn: proposedEnd, reason: reason, refusalCode: refusal?.code, refusal: refusal?.message, at: at)
    }
}
