import Foundation
import Hummingbird
import Persistence
import Signatures

/// Who saw or changed what (Đ.19.3b): one row per attempt, allowed or not, in the service's own
/// `audit_log` table, written in the same transaction as what it records. The table is
/// append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and every row is a link of a hash
/// chain (`AuditChain`), so a changed or removed row is found by `tthc-admin audit verify`.
public enum AuditLog {
    public static func record(_ officer: OfficerClaims, action: String, dossierCode: String?, allowed: Bool,
                              detail: String? = nil, at: Date, db: PostgresConnection) throws {
        // One chain per database session: a session runs one transaction at a time, so its links
        // follow each other without a lock shared by the service's writers; a rollback takes the
        // link and the head back together.
        let head = try db.execute("""
            INSERT INTO audit_chain_heads (chain, seq, hash) VALUES (\(AuditChain.sessionChainSQL), 1, ''::bytea)
            ON CONFLICT (chain) DO UPDATE SET seq = audit_chain_heads.seq + 1
            RETURNING chain, seq, hash
            """).first!
        try db.executeDeferred("""
            WITH added AS (
                INSERT INTO audit_log (at, person_id, organisation_code, role, action, dossier_code, allowed, detail, chain, seq,
                                       prev_hash, hash)
                SELECT at, person_id, organisation_code, role, action, dossier_code, allowed, detail, chain, seq, prev_hash,
                       sha256(prev_hash || convert_to(\(AuditChain.canonicalSQL), 'UTF8'))
                FROM (SELECT $1::timestamptz AS at, $2::text AS person_id, $3::text AS organisation_code, $4::text AS role,
                             $5::text AS action, $6::text AS dossier_code, $7::boolean AS allowed, $8::text AS detail,
                             $9::text AS chain, $10::bigint AS seq, $11::bytea AS prev_hash) AS link
                RETURNING chain, hash)
            UPDATE audit_chain_heads h SET hash = added.hash FROM added WHERE h.chain = added.chain
            """, [at, officer.sub.value, officer.org, officer.role, action, dossierCode, allowed, detail,
                  try head.string("chain"), try head.int("seq"), ByteA(try head.bytes("hash"))])
    }
}

/// The audit log's hash chains: each row's `hash` is SHA-256 of the previous link's hash (empty for
/// the first) followed by the UTF-8 of the row's canonical text (`canonicalSQL`: its fields quoted
/// and joined by commas, the time in UTC to the microsecond), and `audit_chain_heads` holds each
/// chain's last link. `verify` recomputes every chain from the rows alone.
public enum AuditChain {
    /// The session's chain: its backend process and start time (unique while the server lives).
    public static let sessionChainSQL = """
        (SELECT pg_backend_pid() || '@' || to_char(backend_start AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS.US')
         FROM pg_stat_get_activity(pg_backend_pid()))
        """

    /// A row's canonical text, over the columns of `audit_log` (or a subquery with the same names):
    /// each field quoted (`quote_nullable`: NULL apart from any text, quotes doubled), so no two
    /// rows share one.
    public static let canonicalSQL = """
        concat_ws(',', quote_nullable(chain), seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                  quote_nullable(person_id), quote_nullable(organisation_code), quote_nullable(role), quote_nullable(action),
                  quote_nullable(dossier_code), allowed::text, quote_nullable(detail))
        """

    /// The first link that does not hold in one schema's audit log, or nil when every chain verifies.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        public let id: Int
        public let chain: String
        public let seq: Int
        public let problem: String
        public var description: String {
            id < 0 ? "chain \(chain), link \(seq): \(problem)" : "row id \(id) (chain \(chain), link \(seq)): \(problem)"
        }
    }

    /// Recomputes every chain of `schema`'s audit log in Swift from the rows' canonical texts:
    /// each hash, each link to the previous one, the sequence without gaps, the last link against
    /// the chain's head, and every link the service checkpointed (`audit.checkpoint.v1`, kept in
    /// `checkpoints`, archive's table, when it can be read) against the row now. Returns the rows
    /// and chains checked, or the first break.
    public static func verify(schema: String, checkpoints: String? = "archive.audit_checkpoints",
                              db: PostgresConnection) throws -> (rows: Int, chains: Int, broken: Break?) {
        let rows = try db.execute("""
            SELECT id, chain, seq, encode(prev_hash, 'hex') AS prev, encode(hash, 'hex') AS hash, prev_hash,
                   convert_to(\(canonicalSQL), 'UTF8') AS canonical
            FROM \(schema).audit_log WHERE chain IS NOT NULL ORDER BY chain, seq
            """).rows
        // A row without a link after the first link was written: inserted behind the chain's back.
        if let unchained = try db.execute("""
            SELECT id FROM \(schema).audit_log WHERE chain IS NULL AND id > (SELECT min(id) FROM \(schema).audit_log WHERE chain IS NOT NULL)
            ORDER BY id LIMIT 1
            """).first {
            return (rows.count, 0, Break(id: try unchained.int("id"), chain: "-", seq: 0, problem: "a row outside every chain"))
        }
        let heads = try db.execute("SELECT chain, seq, encode(hash, 'hex') AS hash FROM \(schema).audit_chain_heads").rows
            .reduce(into: [String: (Int, String)]()) { $0[try $1.string("chain")] = (try $1.int("seq"), try $1.string("hash")) }
        var previous: (chain: String, seq: Int, hash: String, id: Int)?
        var chained: Set<String> = []
        var links: [String: String] = [:]
        func check(end chain: String, seq: Int, hash: String, id: Int) -> Break? {
            guard let head = heads[chain] else { return Break(id: id, chain: chain, seq: seq, problem: "the chain has no head") }
            return head == (seq, hash) ? nil
                : Break(id: id, chain: chain, seq: seq, problem: "the chain ends at link \(seq), its head says \(head.0): links removed or changed")
        }
        for row in rows {
            let (id, chain, seq) = (try row.int("id"), try row.string("chain"), try row.int("seq"))
            let prev = try row.string("prev"), hash = try row.string("hash")
            if let last = previous, last.chain != chain, let broken = check(end: last.chain, seq: last.seq, hash: last.hash, id: last.id) {
                return (rows.count, chained.count, broken)
            }
            chained.insert(chain)
            let expectedPrev = previous?.chain == chain ? previous!.hash : ""
            let expectedSeq = previous?.chain == chain ? previous!.seq + 1 : 1
            func broken(_ problem: String) -> (Int, Int, Break?) { (rows.count, chained.count, Break(id: id, chain: chain, seq: seq, problem: problem)) }
            if seq != expectedSeq { return broken("link \(expectedSeq) is missing") }
            if prev != expectedPrev { return broken("it does not link to the previous row") }
            if sha256Hex(try row.bytes("prev_hash") + row.bytes("canonical")) != hash { return broken("its content does not match its hash") }
            previous = (chain, seq, hash, id)
            links["\(chain)#\(seq)"] = hash
        }
        let chains = chained.count
        if let last = previous, let broken = check(end: last.chain, seq: last.seq, hash: last.hash, id: last.id) { return (rows.count, chains, broken) }
        // A head whose links are all gone.
        if let orphan = heads.keys.sorted().first(where: { !chained.contains($0) }) {
            return (rows.count, chains, Break(id: -1, chain: orphan, seq: heads[orphan]!.0, problem: "the chain's links are all missing"))
        }
        // A chain rewritten from some link on, head and all, is consistent in itself: the links the
        // service published before tell.
        if let checkpoints, try db.execute("SELECT to_regclass($1)::text AS t", [checkpoints]).first?.optionalString("t") != nil {
            for row in try db.execute("""
                SELECT chain, seq, hash, to_char(checkpointed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
                FROM \(checkpoints) WHERE service = $1 ORDER BY checkpointed_at, chain
                """, [schema]).rows {
                let (chain, seq) = (try row.string("chain"), try row.int("seq"))
                if links["\(chain)#\(seq)"] != (try row.string("hash")) {
                    return (rows.count, chains, Break(id: -1, chain: chain, seq: seq,
                                                      problem: "the link checkpointed at \(try row.string("at")) is missing or changed"))
                }
            }
        }
        return (rows.count, chains, nil)
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
