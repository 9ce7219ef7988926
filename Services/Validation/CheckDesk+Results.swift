import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// What archive announced of the results in members' data stores (`validation.result_facts`), for
/// dossiers that give a component by an earlier result's code (Đ.13.2).
extension CheckDesk {
    /// The facts of every result `contents` reference, by code; a result heard of only by its
    /// revocation is not known yet. `locking`: as for `documentFacts`.
    func resultFacts(of contents: [DossierContent], locking: Bool = true, db: PostgresConnection) throws -> [String: ResultFacts] {
        let codes = Set(contents.flatMap { ($0.resultReferences ?? []).map(\.resultCode) }).sorted()
        guard !codes.isEmpty else { return [:] }
        if locking { try lock(codes, namespace: Self.resultLocks, exclusive: false, db: db) }
        var facts: [String: ResultFacts] = [:]
        for row in try db.execute("""
            SELECT result_code, member_id, document_type, approved, \(rfc3339SQL("revoked_at")) AS revoked_at
            FROM result_facts WHERE result_code = ANY($1::text[]) AND member_id IS NOT NULL
            """, [PostgresArray(codes)]).rows {
            let code = try row.string("result_code")
            facts[code] = ResultFacts(resultCode: code, memberId: try row.string("member_id"),
                                      documentTypeCode: try row.string("document_type"), approved: try row.bool("approved"),
                                      revokedAt: try row.optionalString("revoked_at").flatMap(WireJSON.parseTimestamp))
        }
        return facts
    }

    /// Issued results; a repeat changes nothing, and a revocation heard first is kept.
    func storeIssuedResults(_ batch: [ResultIssuedV1], db: PostgresConnection) throws {
        // One row per code: a batch may hold the same announcement twice.
        let results = Dictionary(batch.map { ($0.resultCode, $0) }, uniquingKeysWith: { first, _ in first }).values
            .sorted { $0.resultCode < $1.resultCode }
        try lock(results.map(\.resultCode), namespace: Self.resultLocks, exclusive: true, db: db)
        try db.execute("""
            INSERT INTO result_facts (result_code, member_id, document_type, approved, issued_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[])
            ON CONFLICT (result_code) DO UPDATE SET member_id = excluded.member_id, document_type = excluded.document_type,
                approved = excluded.approved, issued_at = excluded.issued_at
            """, [PostgresArray(results.map(\.resultCode)), PostgresArray(results.map(\.memberId)),
                  PostgresArray(results.map(\.documentTypeCode)), PostgresArray(results.map { $0.decision == .approved }),
                  PostgresArray(results.map(\.issuedAt))])
    }

    /// Revoked results: the first revocation's time stays (a result is revoked once, Đ.18).
    func storeRevokedResults(_ batch: [ResultRevokedV1], db: PostgresConnection) throws {
        let revocations = Dictionary(batch.map { ($0.resultCode, $0) }, uniquingKeysWith: { $0.revokedAt <= $1.revokedAt ? $0 : $1 }).values
            .sorted { $0.resultCode < $1.resultCode }
        try lock(revocations.map(\.resultCode), namespace: Self.resultLocks, exclusive: true, db: db)
        try db.execute("""
            INSERT INTO result_facts (result_code, revoked_at)
            SELECT * FROM unnest($1::text[], $2::timestamptz[])
            ON CONFLICT (result_code) DO UPDATE SET revoked_at = least(result_facts.revoked_at, excluded.revoked_at)
            """, [PostgresArray(revocations.map(\.resultCode)), PostgresArray(revocations.map(\.revokedAt))])
    }

    static let resultLocks = "validation.result"
}
