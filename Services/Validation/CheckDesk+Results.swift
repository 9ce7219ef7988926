import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// Archive's answers to dossiers' result references (`validation.result_facts`, Đ.13.2).
extension CheckDesk {
    /// The facts archive gave of the results each content references, by dossier and code.
    /// `locking`: as for `documentFacts`.
    func resultFacts(of contents: [DossierContent], locking: Bool = true, db: PostgresConnection) throws -> [String: [String: ResultFacts]] {
        let codes = Set(contents.flatMap { ($0.resultReferences ?? []).map(\.resultCode) }).sorted()
        guard !codes.isEmpty else { return [:] }
        if locking { try lock(codes, namespace: Self.resultLocks, exclusive: false, db: db) }
        var facts: [String: [String: ResultFacts]] = [:]
        for row in try db.execute("""
            SELECT dossier_code, result_code, found, document_type, approved, \(rfc3339SQL("revoked_at")) AS revoked_at
            FROM result_facts WHERE dossier_code = ANY($1::text[]) AND result_code = ANY($2::text[])
            """, [PostgresArray(contents.map(\.dossierCode)), PostgresArray(codes)]).rows {
            let code = try row.string("result_code")
            facts[try row.string("dossier_code"), default: [:]][code] = ResultFacts(
                resultCode: code, found: try row.bool("found"), documentTypeCode: try row.optionalString("document_type"),
                approved: try row.optionalBool("approved"),
                revokedAt: try row.optionalString("revoked_at").flatMap(WireJSON.parseTimestamp))
        }
        return facts
    }

    /// Archive's answers; the newest stands (archive answers again when a referenced result is
    /// revoked), a repeat or an older one arriving late changes nothing.
    func storeResultChecks(_ batch: [ResultReferencesCheckedV1], db: PostgresConnection) throws {
        var rows: [String: (dossier: String, checked: ResultReferencesCheckedV1.Checked, at: Date)] = [:]
        for answer in batch {
            for checked in answer.results {
                let key = "\(answer.dossierCode)\u{1f}\(checked.resultCode)"
                if let kept = rows[key], kept.at >= answer.checkedAt { continue }
                rows[key] = (answer.dossierCode, checked, answer.checkedAt)
            }
        }
        let sorted = rows.keys.sorted().map { rows[$0]! }
        try lock(Array(Set(sorted.map(\.checked.resultCode))), namespace: Self.resultLocks, exclusive: true, db: db)
        try db.execute("""
            INSERT INTO result_facts (dossier_code, result_code, found, document_type, approved, revoked_at, checked_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[], $5::boolean[], $6::timestamptz[], $7::timestamptz[])
            ON CONFLICT (dossier_code, result_code) DO UPDATE SET found = excluded.found, document_type = excluded.document_type,
                approved = excluded.approved, revoked_at = excluded.revoked_at, checked_at = excluded.checked_at
            WHERE excluded.checked_at > result_facts.checked_at
            """, [PostgresArray(sorted.map(\.dossier)), PostgresArray(sorted.map(\.checked.resultCode)),
                  PostgresArray(sorted.map { $0.checked.found }), PostgresArray(sorted.map(\.checked.documentTypeCode)),
                  PostgresArray(sorted.map { $0.checked.approved?.postgresText }),
                  PostgresArray(sorted.map { $0.checked.revokedAt?.postgresText }), PostgresArray(sorted.map(\.at))])
    }

    static let resultLocks = "validation.result"
}
