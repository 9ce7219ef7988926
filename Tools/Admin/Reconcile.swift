import ArgumentParser
import Contracts
import Foundation
import Persistence
import ServiceKit

/// `tthc-admin reconcile`: the continuous accounting of dossiers (đối soát). Every dossier intake
/// gave a code is finished (refused, withdrawn, result issued or revoked) or waits at a known
/// status for someone named; one that has waited for a service longer than `--stuck-after` is
/// stuck, and listed with what the next service's own tables say of it. Exit 1 when any is stuck
/// (or, with `--expect-finished`, when any is unfinished): the last step of every chaos and
/// end-to-end test, and a cron job whose `--metrics-file` feeds the stuck-dossier alert.
struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Account for every dossier: finished, or waiting for whom since when; list the stuck ones (exit 1 when any).")

    @Option(help: "How long a dossier may wait for a service before it counts as stuck: 90s, 15m, 2h (default 15m).")
    var stuckAfter: String = "15m"

    @Option(help: "Only the dossiers received by this organisation (its code).")
    var organisation: String?

    @Option(help: "text (default), json, or prometheus (the text exposition format).")
    var format: String = "text"

    @Option(help: "Also write the figures in Prometheus' text format to this file, replaced atomically (node_exporter's textfile collector).")
    var metricsFile: String?

    @Flag(help: "Exit 1 unless every dossier is finished (the end of a test run).")
    var expectFinished = false

    @Flag(help: "List every waiting dossier, not only the stuck ones.")
    var listWaiting = false

    @Option(help: "PostgreSQL URL of a role that reads intake's, validation's, routing's and archive's tables (env TTHC_ADMIN_DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["TTHC_ADMIN_DATABASE_URL"] ?? AuditCommand.Verify.developmentURL

    @Option(name: .customLong("database"),
            help: "SERVICE=URL: that service's schema is on another server (a database server per service; repeatable).")
    var serviceDatabases: [String] = []

    func run() throws {
        guard let allowance = Self.seconds(stuckAfter) else {
            throw ValidationError("--stuck-after: expected seconds, minutes or hours like 90s, 15m, 2h; got \(stuckAfter)")
        }
        guard ["text", "json", "prometheus"].contains(format) else { throw ValidationError("--format: text, json or prometheus") }
        var urls: [String: String] = [:]
        for entry in serviceDatabases {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["intake", "validation", "routing", "archive"].contains(parts[0]) else {
                throw ValidationError("--database: expected intake|validation|routing|archive=URL, got \(entry)")
            }
            urls[parts[0]] = parts[1]
        }
        var connections: [String: PostgresConnection] = [:]
        defer { connections.values.forEach { $0.close() } }
        func connection(_ service: String) throws -> PostgresConnection {
            let url = urls[service] ?? databaseURL
            if let open = connections[url] { return open }
            let db = try PostgresConnection(url: url, setupStatements: ["SET client_min_messages = warning",
                                                                        "SET default_transaction_read_only = on"])
            connections[url] = db
            return db
        }
        // Schemas on one server are read in one snapshot: a dossier cannot move between two reads.
        // On several, the next services are read after intake: a dossier that moved on meanwhile
        // is not stuck (its age at intake is under the allowance).
        let intake = try connection("intake")
        try intake.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? intake.execute("COMMIT") }
        let accounting = try DossierAccounting.take(organisation: organisation, stuckAfter: allowance, now: Date(), db: intake,
                                                    next: { try connection($0) })
        let exposition = accounting.exposition()
        if let metricsFile {
            let url = URL(fileURLWithPath: metricsFile)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid())")
            try Data(exposition.utf8).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else { throw ValidationError("cannot replace \(metricsFile): errno \(errno)") }
        }
        switch format {
        case "json": print(String(decoding: try WireJSON.encode(accounting), as: UTF8.self))
        case "prometheus": print(exposition, terminator: "")
        default: print(accounting.report(listWaiting: listWaiting), terminator: "")
        }
        if !accounting.stuck.isEmpty || (expectFinished && accounting.finished != accounting.submitted) { throw ExitCode(1) }
    }

    /// `90s`, `15m`, `2h`, or bare seconds.
    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0 { return value * factor }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}

/// One reconciliation: how many dossiers, how many finished, the waiting ones by status and
/// waiter, and every stuck one with its evidence.
struct DossierAccounting: Codable {
    struct Waiting: Codable {
        let status: String
        let waitsFor: String
        let dossiers: Int
        let oldestSince: Date
    }

    let at: Date
    let organisation: String?
    let stuckAfterSeconds: Int
    let submitted: Int
    let finished: Int
    let waiting: [Waiting]
    let stuck: [DossierAccountingEntry]
    /// Every unfinished dossier (reports with `--list-waiting`).
    let unfinished: [DossierAccountingEntry]

    /// `db` reads intake's tables (in the caller's snapshot); `next(service)` the connection of
    /// validation's, routing's or archive's schema.
    static func take(organisation: String?, stuckAfter: TimeInterval, now: Date, db: PostgresConnection,
                     next: (String) throws -> PostgresConnection) throws -> DossierAccounting {
        let totals = try db.execute("""
            SELECT count(*)::int AS submitted, count(finished_at)::int AS finished FROM intake.dossiers
            WHERE $1::text IS NULL OR receiving_organisation_code = $1
            """, [organisation]).rows[0]
        // The unfinished ones (partial index) with their latest status; none means the dossier
        // has no status at all, which no code path writes: accounted as stuck.
        let open = try db.execute("""
            SELECT d.code, s.status, \(rfc3339SQL("coalesce(s.since, d.received_at)")) AS since
            FROM intake.dossiers d LEFT JOIN LATERAL (
                SELECT e.status, e.occurred_at AS since FROM intake.dossier_events e
                WHERE e.dossier_code = d.code AND e.status IS NOT NULL ORDER BY e.occurred_at DESC, e.message_id DESC LIMIT 1) s ON true
            WHERE d.finished_at IS NULL AND ($1::text IS NULL OR d.receiving_organisation_code = $1) ORDER BY since, d.code
            """, [organisation]).rows.map { row in
            (code: try row.string("code"), status: try row.optionalString("status").flatMap(PublicDossierStatus.init(rawValue:)),
             since: WireJSON.parseTimestamp(try row.string("since")) ?? now)
        }
        let elsewhere = try Self.elsewhere(of: open.filter { $0.status.map(\.standing) != .finished }.map(\.code), next: next)
        var unfinished: [DossierAccountingEntry] = []
        for dossier in open {
            guard let status = dossier.status, case .waiting(let waiter) = status.standing else {
                // No status, or one this build does not know: counted stuck so that someone looks.
                unfinished.append(DossierAccountingEntry(dossierCode: dossier.code, status: .received, since: dossier.since,
                                                         waitsFor: .validation, now: now, stuckAfter: -1,
                                                         evidence: "intake's timeline has no status this build knows"))
                continue
            }
            let refined = (elsewhere[dossier.code] ?? DossierElsewhere()).refine(status, waiter: waiter)
            unfinished.append(DossierAccountingEntry(dossierCode: dossier.code, status: status, since: dossier.since,
                                                     waitsFor: refined.waiter, now: now, stuckAfter: stuckAfter, evidence: refined.evidence))
        }
        let groups = Dictionary(grouping: unfinished) { "\($0.status.rawValue)\t\($0.waitsFor.rawValue)" }
        let waiting = groups.values.map { entries in
            Waiting(status: entries[0].status.rawValue, waitsFor: entries[0].waitsFor.rawValue, dossiers: entries.count,
                    oldestSince: entries.map(\.since).min()!)
        }.sorted { ($0.status, $0.waitsFor) < ($1.status, $1.waitsFor) }
        return DossierAccounting(at: now, organisation: organisation, stuckAfterSeconds: Int(stuckAfter),
                                 submitted: try totals.int("submitted"), finished: try totals.int("finished"),
                                 waiting: waiting, stuck: unfinished.filter(\.stuck), unfinished: unfinished)
    }

    /// What validation, routing and archive hold of these dossiers, read only where the role may.
    static func elsewhere(of codes: [String], next: (String) throws -> PostgresConnection) throws -> [String: DossierElsewhere] {
        var found: [String: DossierElsewhere] = [:]
        guard !codes.isEmpty else { return found }
        let sources: [(service: DossierWaiter, table: String, key: String, set: (inout DossierElsewhere, String) -> Void)] = [
            (.validation, "validation.dossiers", "code", { $0.checkStatus = $1 }),
            (.routing, "routing.routes", "dossier_code", { $0.routeStatus = $1 }),
            (.archive, "archive.results", "dossier_code", { $0.resultStatus = $1 }),
        ]
        for source in sources {
            let db = try next(source.service.rawValue)
            // Schema first: to_regclass on a schema the role may not use is an error, not NULL.
            let readable = try db.execute("""
                SELECT CASE WHEN has_schema_privilege($1, 'USAGE')
                            THEN coalesce(has_table_privilege(to_regclass($2), 'SELECT'), false) ELSE false END AS ok
                FROM pg_namespace WHERE nspname = $1
                """, [source.service.rawValue, source.table]).first?.optionalString("ok") == "t"
            guard readable else {
                for code in codes { found[code, default: DossierElsewhere()].unreadable.insert(source.service) }
                continue
            }
            for row in try db.execute("SELECT \(source.key) AS code, status FROM \(source.table) WHERE \(source.key) = ANY($1::text[])",
                                      [PostgresArray(codes)]).rows {
                source.set(&found[try row.string("code"), default: DossierElsewhere()], try row.string("status"))
            }
        }
        return found
    }
}
