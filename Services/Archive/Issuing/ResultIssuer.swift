import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit
import Signatures

/// Issues results with legal force (Đ.17–18): each decided dossier's result is signed by its
/// issuing organisation's own key, numbered in that organisation's sequence, coded
/// `KQ.<holder>.<type>.<number>` and `<dossier code>-KQ(n)`, and announced with its verification
/// link. A result whose organisation has no usable key yet is held — never issued unsigned — and
/// issued once the key is there (`HeldResultsTimer`, every minute; `results.status = 'held'`).
///
/// `results.status`: held → issued → revoked (kept for lookup).
struct ResultIssuer: Sendable {
    enum Status: String, Sendable {
        case held, issued, revoked
    }

    let keys: any OrganisationKeys
    let catalog: ProcedureCatalog
    /// Where people verify a result: the QR code's link is `<base>/xac-thuc/<token>`.
    let verificationBaseURL: String
    /// How long a held result waits before its organisation's key is looked for again.
    static let heldRetry: TimeInterval = 60
    static let heldTimer = "held-results"

    func verificationURL(_ token: String) -> String { "\(verificationBaseURL)/xac-thuc/\(token)" }

    /// A decided dossier's first result: recorded, then issued at once if its organisation can sign.
    func receive(_ decided: DossierDecidedV1, cause: IncomingMessage, context: HandlerContext) throws {
        let content = String(decoding: try WireJSON.encode(decided), as: UTF8.self)
        let inserted = try context.db.execute("""
            INSERT INTO results (dossier_code, result_number, member_id, document_type_code, decision, content, sha256, issued_at,
                                 status, issuing_organisation_code, holder_name, origin)
            VALUES ($1, 1, $2, $3, $4, $5::jsonb, '', $6::timestamptz, $7, $8, $9, 'electronic')
            ON CONFLICT DO NOTHING RETURNING dossier_code
            """, [decided.dossierCode, decided.memberId, ResultCodes.documentType(of: decided, catalog: catalog),
                  decided.decision.rawValue, content, decided.decidedAt, Status.held.rawValue,
                  decided.decidingOrganisationCode, decided.holderName])
        guard inserted.first != nil else { return }  // already here (a repeat)
        if try !issue(decided.dossierCode, resultNumber: 1, cause: cause, context: context) {
            // One pending retry per organisation; a later held result does not push it back.
            let pending = try context.db.execute("SELECT 1 FROM timers WHERE kind = $1 AND key = $2 AND fired_at IS NULL",
                                                 [Self.heldTimer, decided.decidingOrganisationCode]).first != nil
            if !pending {
                try Timers.schedule(kind: Self.heldTimer, key: decided.decidingOrganisationCode,
                                    dueAt: context.now.addingTimeInterval(Self.heldRetry),
                                    payload: ["organisationCode": decided.decidingOrganisationCode], in: context)
            }
        }
    }

    /// Signs and issues a held result; false when its organisation still has no key.
    @discardableResult
    func issue(_ dossierCode: String, resultNumber: Int, cause: IncomingMessage?, context: HandlerContext) throws -> Bool {
        guard let row = try context.db.execute("""
            SELECT content::text AS content, issuing_organisation_code, document_type_code FROM results
            WHERE dossier_code = $1 AND result_number = $2 AND status = $3 FOR UPDATE
            """, [dossierCode, resultNumber, Status.held.rawValue]).first else { return true }
        let organisation = try row.string("issuing_organisation_code")
        // An unreadable or mismatched key file is no key: the result waits (visible as held) instead
        // of failing the message, or the timer batch of every other organisation.
        guard let signer = (try? keys.signer(for: organisation)) ?? nil else { return false }
        let decided = try row.json(DossierDecidedV1.self, "content")
        let documentType = try row.string("document_type_code")
        let documentNumber = try nextNumber(of: organisation, for: documentType, context: context)
        let document = ResultDocument(
            resultCode: resultCode(holder: decided.holderCitizenId ?? decided.memberId, documentTypeCode: documentType,
                                   number: documentNumber),
            storeCode: ResultCodes.storeCode(dossierCode: dossierCode, resultNumber: resultNumber), dossierCode: dossierCode,
            procedureCode: decided.procedureCode, documentTypeCode: documentType, documentNumber: documentNumber,
            decision: decided.decision, reason: decided.reason, memberId: decided.memberId,
            holderCitizenId: decided.holderCitizenId, holderName: decided.holderName, issuingOrganisationCode: organisation,
            decidedAt: decided.decidedAt, issuedAt: context.now, resultData: decided.resultData)
        let bytes = try WireJSON.encode(document)
        let signature = try signer.sign(bytes)
        let token = UnguessableToken.make()
        try context.db.execute("""
            UPDATE results SET status = $3, result_code = $4, store_code = $5, document = $6::bytea, signature = $7::bytea,
                sha256 = $8, verification_token = $9, issued_at = $10::timestamptz
            WHERE dossier_code = $1 AND result_number = $2
            """, [dossierCode, resultNumber, Status.issued.rawValue, document.resultCode, document.storeCode, ByteA(bytes),
                  ByteA(signature), sha256Hex(bytes), token, context.now])
        try context.emit(.resultIssued, subject: dossierCode, data: ResultIssuedV1(
            dossierCode: dossierCode, resultCode: document.resultCode, documentTypeCode: documentType, memberId: decided.memberId,
            decision: decided.decision, sha256: sha256Hex(bytes), issuedAt: context.now, storeCode: document.storeCode,
            issuingOrganisationCode: organisation, verificationURL: verificationURL(token)), causedBy: cause)
        return true
    }

    /// The organisation's next number of `documentType` this year, `<n>-<year>-<organisation>`:
    /// gap-free, taken in the issuing transaction.
    func nextNumber(of organisation: String, for documentType: String, context: HandlerContext) throws -> String {
        let next = try nextValue(of: organisation, for: documentType, context: context)
        return ResultCodes.documentNumber(next.number, year: next.year, organisation: organisation)
    }

    func nextValue(of organisation: String, for documentType: String, context: HandlerContext) throws -> (number: Int, year: Int) {
        let year = VietnamTime.calendar.component(.year, from: context.now)
        let number = try context.db.execute("""
            INSERT INTO organisation_document_numbers (organisation_code, document_type_code, year, last_value) VALUES ($1, $2, $3, 1)
            ON CONFLICT (organisation_code, document_type_code, year)
            DO UPDATE SET last_value = organisation_document_numbers.last_value + 1
            RETURNING last_value
            """, [organisation, documentType, year]).first.map { try $0.int("last_value") } ?? 1
        return (number, year)
    }

    /// The organisation's held results, issued now if it has a key (up to `batch` per
    /// transaction); whether some are still held.
    func release(organisation: String, batch: Int = 500, context: HandlerContext) throws -> Bool {
        let held = try context.db.execute("""
            SELECT dossier_code, result_number FROM results WHERE issuing_organisation_code = $1 AND status = $2
            ORDER BY issued_at, dossier_code LIMIT $3
            """, [organisation, Status.held.rawValue, batch]).rows.map { (try $0.string("dossier_code"), try $0.int("result_number")) }
        for (code, number) in held {
            // Still no key: the rest wait for the next try.
            if try !issue(code, resultNumber: number, cause: nil, context: context) { return true }
        }
        return held.count == batch
    }
}

/// Retries an organisation's held results until its key is there.
struct HeldResultsTimer: TimerHandler {
    let issuer: ResultIssuer
    var kind: String { ResultIssuer.heldTimer }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        if try issuer.release(organisation: timer.key, context: context) {
            try Timers.schedule(kind: kind, key: timer.key, dueAt: context.now.addingTimeInterval(ResultIssuer.heldRetry),
                                payload: ["organisationCode": timer.key], in: context)
        }
    }
}

extension ResultIssuer {
    /// Results waiting for their organisation's key, per organisation, on `/metrics`: how many, and
    /// since when the oldest was decided (alert on `time() - …oldest… > 3600`).
    static let heldGauges: [StoredGauge] = [
        StoredGauge(name: "results_held", unit: "results", help: "Results waiting for their organisation's signing key") { db in
            try held(db).map { StoredGauge.Sample(labels: [("organisation", $0.organisationCode)], value: Double($0.held)) }
        },
        StoredGauge(name: "results_held_oldest_decided", unit: "timestamp_seconds",
                    help: "When the oldest result waiting for its organisation's key was decided", vanished: .removed) { db in
            try held(db).compactMap { held in
                held.oldestDecidedAt.map { StoredGauge.Sample(labels: [("organisation", held.organisationCode)], value: $0.timeIntervalSince1970) }
            }
        },
    ]

    struct HeldResults: Encodable, Sendable {
        let organisationCode: String
        let held: Int
        let oldestDecidedAt: Date?
    }

    /// Held results per organisation: every organisation's, or `organisation`'s only.
    static func held(_ db: PostgresConnection, organisation: String? = nil) throws -> [HeldResults] {
        try db.execute("""
            SELECT issuing_organisation_code, count(*)::int AS held, \(rfc3339SQL("min(issued_at)")) AS oldest
            FROM results WHERE status = $1 AND ($2::text IS NULL OR issuing_organisation_code = $2)
            GROUP BY issuing_organisation_code ORDER BY issuing_organisation_code
            """, [Status.held.rawValue, organisation]).rows.map {
            HeldResults(organisationCode: try $0.string("issuing_organisation_code"), held: try $0.int("held"),
                        oldestDecidedAt: try $0.optionalString("oldest").flatMap(WireJSON.parseTimestamp))
        }
    }
}
