import Foundation
import PaymentRules
import Persistence

/// The ledger (sổ cái) in `payment.ledger_journals` / `ledger_lines`: append-only (triggers refuse
/// UPDATE and DELETE) and double-entry (a deferred trigger refuses a journal that does not sum to
/// zero at commit). Balances are sums of lines, never stored.
enum LedgerBook {
    enum Kind: String { case assessment, receipt, remittance, refund, cancellation }

    /// Posts one journal, once per `sourceKey` (a second post of the same source does nothing).
    static func post(_ kind: Kind, sourceKey: String, paymentId: String?, memo: String, lines: [LedgerPostings.Line],
                     at time: Date, db: PostgresConnection) throws {
        guard !lines.isEmpty else { return }
        guard let journal = try db.execute("""
            INSERT INTO ledger_journals (kind, source_key, payment_id, memo, posted_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (source_key) DO NOTHING RETURNING journal_id
            """, [kind.rawValue, sourceKey, paymentId, memo, time]).first else { return }
        let id = try journal.int("journal_id")
        try db.execute("""
            INSERT INTO ledger_lines (journal_id, line, account, amount_vnd)
            SELECT $1, n, account, amount FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS t(account, amount, n)
            """, [id, PostgresArray(lines.map(\.account)), PostgresArray(lines.map(\.amountVND))])
    }

    static func posted(_ sourceKey: String, db: PostgresConnection) throws -> Bool {
        try db.execute("SELECT 1 FROM ledger_journals WHERE source_key = $1", [sourceKey]).first != nil
    }

    static func balance(_ account: String, db: PostgresConnection) throws -> Int {
        try db.execute("SELECT coalesce(sum(amount_vnd), 0)::bigint AS b FROM ledger_lines WHERE account = $1", [account])
            .first?.int("b") ?? 0
    }

    /// The member's credit carried forward: what they paid beyond what was assessed (≥ 0).
    static func memberCredit(_ member: String, db: PostgresConnection) throws -> Int {
        max(0, -(try balance(LedgerPostings.member(member), db: db)))
    }
}
