import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// A PAKN item as routing keeps it (`feedback_items`).
struct FeedbackItem: Sendable {
    let code: String
    let integrator: String
    let system: FeedbackSystem
    var topic: String
    let receivedAt: Date
    var state: FeedbackItemState
    /// The number of changes so far (the last `feedback.updated.v1`'s revision).
    var revision: Int
    /// The item as received (sender, kind, title, text), opened from its sealed copy.
    let received: FeedbackReceivedV1
    var answer: String?
    var published: Bool?
    var rating: Int?
}

/// All SQL of `feedback_items`, `feedback_history` and `feedback_duplicates`.
struct FeedbackStore: Sendable {
    let content: SealedContent

    func insert(_ received: FeedbackReceivedV1, state: FeedbackItemState, db: PostgresConnection) throws {
        let sealed = try content.seal(received, context: SealedColumn.feedbackItemContext(received.paknCode))
        try db.executeDeferred("""
            INSERT INTO feedback_items (code, integrator, sender_kind, sender_id, sender_organisation_code, system, topic, item_key_id,
                                        item_sealed, status, organisation_code, received_at, complete_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::timestamptz, $12::timestamptz, $12::timestamptz)
            ON CONFLICT (code) DO NOTHING
            """, [received.paknCode, received.integrator, received.sender.kind.rawValue, received.sender.id,
                  received.sender.organisationCode, received.system.rawValue, received.topic, sealed.keyId, ByteA(sealed.bytes),
                  state.status.rawValue, state.organisation, received.receivedAt])
    }

    func recordDuplicate(_ received: FeedbackReceivedV1, of first: String, db: PostgresConnection) throws {
        try db.executeDeferred("""
            INSERT INTO feedback_duplicates (code, first_code, received_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT DO NOTHING
            """, [received.paknCode, first, received.receivedAt])
    }

    /// The item, locked until the transaction ends (unless only read: `forUpdate` false).
    func load(_ code: String, forUpdate: Bool = true, db: PostgresConnection) throws -> FeedbackItem? {
        guard let row = try db.execute("""
            SELECT code, integrator, system, topic, \(rfc3339SQL("received_at")) AS received_at, status, organisation_code,
                   \(rfc3339SQL("complete_at")) AS complete_at, \(rfc3339SQL("answer_due")) AS answer_due, extended, late,
                   late_updates, answered_by, \(rfc3339SQL("appeal_by")) AS appeal_by, appealed, rated, answer, published, rating,
                   revision, clarification_requested,
                   \(SealedColumn.feedbackItem.select())
            FROM feedback_items WHERE code = $1\(forUpdate ? " FOR UPDATE" : "")
            """, [code]).first else { return nil }
        var state = FeedbackItemState(status: try row.value(FeedbackStatus.self, "status"), organisation: try row.string("organisation_code"),
                                      completeAt: try row.date("complete_at"))
        state.answerDue = try row.optionalDate("answer_due")
        state.extended = try row.bool("extended")
        state.late = try row.bool("late")
        state.lateUpdates = try row.int("late_updates")
        state.answeredBy = try row.optionalString("answered_by")
        state.appealBy = try row.optionalDate("appeal_by")
        state.appealed = try row.bool("appealed")
        state.rated = try row.bool("rated")
        state.clarificationRequested = try row.bool("clarification_requested")
        return FeedbackItem(
            code: code, integrator: try row.string("integrator"), system: try row.value(FeedbackSystem.self, "system"),
            topic: try row.string("topic"), receivedAt: try row.date("received_at"), state: state, revision: try row.int("revision"),
            received: try content.open(FeedbackReceivedV1.self, row: row, in: .feedbackItem, context: SealedColumn.feedbackItemContext(code)),
            answer: try row.optionalString("answer"), published: try row.optionalBool("published"), rating: try row.optionalInt("rating"))
    }

    /// Writes the item's state, and its history entry, after a transition.
    func save(_ item: FeedbackItem, change: FeedbackChange, actor: String?, detail: String?, at now: Date, db: PostgresConnection) throws {
        let state = item.state
        let answered = change == .answered
        try db.executeDeferred("""
            UPDATE feedback_items SET status = $2, organisation_code = $3, complete_at = $4::timestamptz, answer_due = $5::timestamptz,
                extended = $6, late = $7, late_updates = $8, answered_by = $9, appeal_by = $10::timestamptz, appealed = $11, rated = $12,
                answer = $13, published = $14, rating = $15, updated_at = $16::timestamptz, topic = $18, revision = $19,
                clarification_requested = $20, rated_organisation = CASE WHEN $21 THEN answered_by ELSE rated_organisation END,
                first_answered_by = CASE WHEN $17 AND first_answered_at IS NULL THEN $9 ELSE first_answered_by END,
                answered_at = CASE WHEN $17 THEN $16::timestamptz ELSE answered_at END,
                first_answered_at = CASE WHEN $17 AND first_answered_at IS NULL THEN $16::timestamptz ELSE first_answered_at END,
                first_answer_late = CASE WHEN $17 AND first_answered_at IS NULL THEN coalesce(answer_due < $16::timestamptz, false)
                                         ELSE first_answer_late END
            WHERE code = $1
            """, [item.code, state.status.rawValue, state.organisation, state.completeAt, state.answerDue, state.extended, state.late,
                  state.lateUpdates, state.answeredBy, state.appealBy, state.appealed, state.rated, item.answer, item.published,
                  item.rating, now, answered, item.topic, item.revision, state.clarificationRequested, change == .rated])
        try db.executeDeferred("""
            INSERT INTO feedback_history (code, at, change, status, organisation_code, actor, detail)
            VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7)
            """, [item.code, now, change.rawValue, state.status.rawValue, state.organisation, actor, detail])
    }

    func exists(_ code: String, db: PostgresConnection) throws -> Bool {
        try db.execute("SELECT 1 FROM feedback_items WHERE code = $1", [code]).first != nil
    }

    /// Locks the item's pending timers before the item itself, in the order the timer worker takes
    /// them (timers, then the item), so that an act never deadlocks with a deadline firing.
    func lockTimers(of code: String, db: PostgresConnection) throws {
        try db.execute("SELECT count(*) FROM (SELECT 1 FROM timers WHERE key = $1 AND kind = ANY($2::text[]) FOR UPDATE) AS locked",
                       [code, PostgresArray(FeedbackTimer.allCases.map(\.rawValue))])
    }

    /// The organisation and its parent, kind, from the registry replica.
    func organisation(_ code: String, db: PostgresConnection) throws -> (kind: OrganisationRecord.Kind, parent: String?)? {
        try db.execute("SELECT kind, parent_code FROM organisations WHERE code = $1", [code]).first.map {
            (try $0.value(OrganisationRecord.Kind.self, "kind"), try $0.optionalString("parent_code"))
        }
    }

    /// Items in charge of the organisations, open first by deadline.
    func list(of organisations: [String], db: PostgresConnection) throws -> [FeedbackListEntry] {
        try db.execute("""
            SELECT code, status, organisation_code, topic, system, \(rfc3339SQL("received_at")) AS received_at,
                   \(rfc3339SQL("answer_due")) AS answer_due, late
            FROM feedback_items WHERE organisation_code = ANY($1::text[])
            ORDER BY status IN ('refused', 'withdrawn', 'closed'), answer_due NULLS FIRST, received_at LIMIT 500
            """, [PostgresArray(organisations)]).rows.map {
            FeedbackListEntry(paknCode: try $0.string("code"), status: try $0.string("status"), organisationCode: try $0.string("organisation_code"),
                              topic: try $0.string("topic"), system: try $0.string("system"), receivedAt: try $0.string("received_at"),
                              answerDue: try $0.optionalString("answer_due"), late: try $0.bool("late"))
        }
    }

    func history(_ code: String, db: PostgresConnection) throws -> [FeedbackView.Entry] {
        try db.execute("""
            SELECT \(rfc3339SQL("at")) AS at, change, status, organisation_code, actor, detail FROM feedback_history
            WHERE code = $1 ORDER BY at, change
            """, [code]).rows.map {
            FeedbackView.Entry(at: try $0.string("at"), change: try $0.string("change"), status: try $0.string("status"),
                               organisationCode: try $0.string("organisation_code"), actor: try $0.optionalString("actor"),
                               detail: try $0.optionalString("detail"))
        }
    }

    func duplicates(of code: String, db: PostgresConnection) throws -> [String] {
        try db.execute("SELECT code FROM feedback_duplicates WHERE first_code = $1 ORDER BY received_at", [code]).rows.map { try $0.string("code") }
    }

    /// Every organisation the item has been in charge of (they may read it).
    func involved(_ code: String, db: PostgresConnection) throws -> Set<String> {
        Set(try db.execute("SELECT DISTINCT organisation_code FROM feedback_history WHERE code = $1", [code]).rows.map {
            try $0.string("organisation_code")
        })
    }

    /// PAKN evaluation figures (Đ.37.2) of the items an organisation answered first, or has in
    /// charge unanswered, received in [from, to): received, answered (first answer) on time and
    /// late, still open and late, average days to the first answer; and the ratings of its answers.
    func figures(of organisation: String, from: Date, to: Date, db: PostgresConnection) throws -> FeedbackFigures {
        let row = try db.execute("""
            SELECT count(*) FILTER (WHERE mine) AS received,
                   count(*) FILTER (WHERE mine AND first_answered_at IS NOT NULL AND NOT first_answer_late) AS answered_on_time,
                   count(*) FILTER (WHERE mine AND first_answered_at IS NOT NULL AND first_answer_late) AS answered_late,
                   count(*) FILTER (WHERE mine AND first_answered_at IS NULL AND late) AS open_late,
                   count(*) FILTER (WHERE mine AND status IN ('refused', 'withdrawn')) AS refused_or_withdrawn,
                   round((avg(extract(epoch FROM first_answered_at - received_at) / 86400) FILTER (WHERE mine))::numeric, 2)::text AS average_days,
                   count(rating) FILTER (WHERE rated_organisation = $1) AS rated,
                   round((avg(rating) FILTER (WHERE rated_organisation = $1))::numeric, 2)::text AS average_rating
            FROM (SELECT *, coalesce(first_answered_by, organisation_code) = $1 AS mine FROM feedback_items
                  WHERE (first_answered_by = $1 OR organisation_code = $1 OR rated_organisation = $1)
                    AND received_at >= $2::timestamptz AND received_at < $3::timestamptz) AS items
            """, [organisation, from, to]).first!
        return FeedbackFigures(received: try row.int("received"), answeredOnTime: try row.int("answered_on_time"),
                               answeredLate: try row.int("answered_late"), openLate: try row.int("open_late"),
                               refusedOrWithdrawn: try row.int("refused_or_withdrawn"),
                               averageDaysToAnswer: try row.optionalString("average_days").flatMap(Double.init),
                               rated: try row.int("rated"), averageRating: try row.optionalString("average_rating").flatMap(Double.init))
    }
}

struct FeedbackListEntry: Encodable, Sendable {
    let paknCode, status, organisationCode, topic, system, receivedAt: String
    let answerDue: String?
    let late: Bool
}

struct FeedbackView: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        let at, change, status, organisationCode: String
        let actor, detail: String?
    }
    let item: FeedbackReceivedV1
    let status: FeedbackStatus
    let organisationCode: String
    let answerDue: Date?
    let late: Bool
    let answer: String?
    let rating: Int?
    let duplicates: [String]
    let history: [Entry]
    /// The attached documents at archive (readable while the organisation is or was in charge).
    let documentsURL: String
}

struct FeedbackFigures: Encodable, Sendable {
    let received, answeredOnTime, answeredLate, openLate, refusedOrWithdrawn: Int
    let averageDaysToAnswer: Double?
    let rated: Int
    let averageRating: Double?
}

/// The item each PAKN row keeps, sealed at rest.
extension SealedColumn {
    static let feedbackItem = SealedColumn(table: "feedback_items", sealed: "item_sealed", keyId: "item_key_id",
                                           contextSQL: "'routing.feedback_items:' || code")

    static func feedbackItemContext(_ code: String) -> String { "routing.feedback_items:\(code)" }
}

private extension Row {
    func date(_ column: String) throws -> Date {
        guard let date = WireJSON.parseTimestamp(try string(column)) else {
            throw PermanentFailure(code: "database-rejected", reason: "\(column) is not a time")
        }
        return date
    }

    func optionalDate(_ column: String) throws -> Date? {
        try optionalString(column).flatMap(WireJSON.parseTimestamp)
    }
}
