import Foundation
import Persistence
import Signatures

/// The audit log's hash chains: each row's `hash` is SHA-256 of the previous link's hash (empty for
/// the first) followed by the UTF-8 of the row's canonical text (`canonicalSQL`: its fields quoted
/// and joined by commas, the time in UTC to the microsecond), and `audit_chain_heads` holds each
/// chain's last link. `verify` recomputes every chain from the rows alone, from the chain's anchor
/// where retention removed its first links (`AuditRetentionTimer`).
public enum AuditChain {
    /// The session's chain: its backend process and start time (unique while the server lives).
    public static let sessionChainSQL = """
        (SELECT pg_backend_pid() || '@' || to_char(backend_start AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS.US')
         FROM pg_stat_get_activity(pg_backend_pid()))
        """

    /// A row's canonical text, over the columns of `audit_log` (or a subquery with the same names):
    /// each field quoted (`quote_nullable`: NULL apart from any text, quotes doubled), so no two
    /// rows share one. The columns added later (who kind of actor, whose data, from where) follow
    /// only when one is set, so the rows written before them keep their hashes. Frozen: the
    /// shared audit migration (version 3) builds `audit_append` from it.
    public static let canonicalSQL = """
        concat_ws(',', quote_nullable(chain), seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                  quote_nullable(person_id), quote_nullable(organisation_code), quote_nullable(role), quote_nullable(action),
                  quote_nullable(dossier_code), allowed::text, quote_nullable(detail))
        || CASE WHEN actor_kind IS NULL AND member_id IS NULL AND origin IS NULL THEN ''
                ELSE ',' || concat_ws(',', quote_nullable(actor_kind), quote_nullable(member_id), quote_nullable(origin)) END
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
        func exists(_ table: String) throws -> Bool {
            try db.execute("SELECT to_regclass($1)::text AS t", [table]).first?.optionalString("t") != nil
        }
        /// A link per chain (seq, hex hash) from a table of `chain, seq, hash`.
        func links(in table: String) throws -> [String: (Int, String)] {
            try db.execute("SELECT chain, seq, encode(hash, 'hex') AS hash FROM \(table)").rows
                .reduce(into: [String: (Int, String)]()) { $0[try $1.string("chain")] = (try $1.int("seq"), try $1.string("hash")) }
        }
        let heads = try links(in: "\(schema).audit_chain_heads")
        // Where retention removed a chain's first links: the last one removed (none before migration 4).
        let anchors = try exists("\(schema).audit_chain_anchors") ? links(in: "\(schema).audit_chain_anchors") : [:]
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
            let expectedPrev = previous?.chain == chain ? previous!.hash : anchors[chain]?.1 ?? ""
            let expectedSeq = previous?.chain == chain ? previous!.seq + 1 : (anchors[chain]?.0 ?? 0) + 1
            func broken(_ problem: String) -> (Int, Int, Break?) { (rows.count, chained.count, Break(id: id, chain: chain, seq: seq, problem: problem)) }
            if seq != expectedSeq { return broken("link \(expectedSeq) is missing") }
            if prev != expectedPrev { return broken("it does not link to the previous row") }
            if sha256Hex(try row.bytes("prev_hash") + row.bytes("canonical")) != hash { return broken("its content does not match its hash") }
            previous = (chain, seq, hash, id)
            links["\(chain)#\(seq)"] = hash
        }
        let chains = chained.count
        if let last = previous, let broken = check(end: last.chain, seq: last.seq, hash: last.hash, id: last.id) { return (rows.count, chains, broken) }
        // A head whose links are all gone (unless retention removed them all, up to the head).
        if let orphan = heads.keys.sorted().first(where: { chain in
            !chained.contains(chain) && anchors[chain].map { anchor in anchor != heads[chain]! } ?? true
        }) {
            return (rows.count, chains, Break(id: -1, chain: orphan, seq: heads[orphan]!.0, problem: "the chain's links are all missing"))
        }
        // A chain rewritten from some link on, head and all, is consistent in itself: the links the
        // service published before tell.
        if let checkpoints, try exists(checkpoints) {
            var anchored: Set<String> = []
            for row in try db.execute("""
                SELECT chain, seq, hash, to_char(checkpointed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
                FROM \(checkpoints) WHERE service = $1 ORDER BY checkpointed_at, chain
                """, [schema]).rows {
                let (chain, seq) = (try row.string("chain"), try row.int("seq"))
                if let anchor = anchors[chain], seq <= anchor.0 {
                    // Removed by retention: the anchor itself must be a link a checkpoint named.
                    if try seq == anchor.0 && anchor.1 == row.string("hash") { anchored.insert(chain) }
                    continue
                }
                if links["\(chain)#\(seq)"] != (try row.string("hash")) {
                    return (rows.count, chains, Break(id: -1, chain: chain, seq: seq,
                                                      problem: "the link checkpointed at \(try row.string("at")) is missing or changed"))
                }
            }
            // An anchor no checkpoint names: links removed behind the checkpoints' back.
            if let chain = anchors.keys.sorted().first(where: { !anchored.contains($0) }) {
                return (rows.count, chains, Break(id: -1, chain: chain, seq: anchors[chain]!.0,
                                                  problem: "links up to \(anchors[chain]!.0) were removed but no checkpoint names that link"))
            }
        }
        return (rows.count, chains, nil)
    }
}
