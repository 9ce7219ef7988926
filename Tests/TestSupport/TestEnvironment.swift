import Contracts
import Foundation
import Messaging
import Persistence

/// The real servers the tests use, started by `Deploy/local/test.sh` (or `servers.sh start`).
public enum TestEnvironment {
    static let env = ProcessInfo.processInfo.environment
    public static let amqpHost = env["TTHC_AMQP_HOST"] ?? "127.0.0.1"
    public static let amqpPort = Int(env["TTHC_AMQP_PORT"] ?? "5672") ?? 5672
    public static let pgHost = env["TTHC_PG_HOST"] ?? "127.0.0.1"
    public static let pgPort = Int(env["TTHC_PG_PORT"] ?? "5432") ?? 5432
    /// The CA of a world whose broker and database speak only TLS (compose with
    /// `Deploy/compose/tls.yml`): the tests reach both over TLS, checking certificates and names.
    public static let worldTLSCA = env["TTHC_WORLD_TLS_CA"].flatMap { $0.isEmpty ? nil : $0 }
    /// libpq's TLS parameters for that world (none otherwise).
    static var pgTLSQuery: String { worldTLSCA.map { "?sslmode=verify-full&sslrootcert=\($0)" } ?? "" }

    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// Where `swift build` put the executables.
    public static let binDirectory: URL = {
        if let dir = env["TTHC_BIN_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    public static func amqpURL(user: String) -> AMQPURL {
        AMQPURL(host: amqpHost, port: amqpPort, vhost: "tthc", user: user, password: user,
                tls: worldTLSCA != nil, caCertificatePath: worldTLSCA)
    }

    public static func amqp(user: String = "tthc-admin", confirms: Bool = false) throws -> AMQPConnection {
        let connection = try AMQPConnection(url: amqpURL(user: user), heartbeat: 0)
        if confirms { try connection.enableConfirms() }
        return connection
    }

    /// A service role's connection (password = role name in development).
    public static func database(role: String, schema: String? = nil) throws -> PostgresConnection {
        try PostgresConnection(url: "postgres://\(role):\(role)@\(pgHost):\(pgPort)/tthc\(pgTLSQuery)",
                               setupStatements: ["SET client_min_messages = warning"] + (schema.map { ["SET search_path TO \($0)"] } ?? []))
    }

    /// The superuser, through the server's Unix socket (trust), for test setup and inspection, or
    /// over TCP with `TTHC_PG_SUPERUSER_PASSWORD` (the compose world's database in a container).
    /// `port`: another server's (a database server per service), by default the tests' own.
    public static func superuser(port: Int? = nil) throws -> PostgresConnection {
        let socketDir = env["TTHC_PG_SOCKET_DIR"] ?? ""
        let password = env["TTHC_PG_SUPERUSER_PASSWORD"].map { $0.isEmpty ? "" : ":" + $0 } ?? ""
        let port = port ?? pgPort
        let url = socketDir.isEmpty ? "postgres://postgres\(password)@\(pgHost):\(port)/tthc\(pgTLSQuery)"
            : "postgresql://postgres@/tthc?host=\(socketDir)&port=\(port)"
        return try PostgresConnection(url: url, setupStatements: ["SET client_min_messages = warning"])
    }

    /// The services' tables (every schema) holding `text` in some row, as text or as bytes (a row's
    /// text shows bytea in hex): where a planted marker can be read in plaintext.
    public static func tablesContaining(_ text: String) throws -> [String] {
        let db = try superuser()
        defer { db.close() }
        let hex = text.utf8.map { String(format: "%02x", $0) }.joined()
        let tables = try db.execute("""
            SELECT schemaname || '.' || tablename AS name FROM pg_tables
            WHERE schemaname IN ('intake', 'validation', 'routing', 'payment', 'notification', 'archive') ORDER BY 1
            """).rows.map { try $0.string("name") }
        return try tables.filter { table in
            try db.execute("SELECT 1 FROM \(table) t WHERE strpos(t::text, $1) > 0 OR strpos(t::text, $2) > 0 LIMIT 1", [text, hex]).first != nil
        }
    }

    /// Polls `condition` until it holds or the deadline passes (no sleeps as synchronisation).
    public static func eventually(timeout: TimeInterval = 30, interval: TimeInterval = 0.05,
                                  _ what: String = "condition", _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: interval)
        }
        throw TimeoutError(what: what, seconds: timeout)
    }

    /// Members of a test's own organisation (ids unique to it), as the registry knows them:
    /// numbers `first`, `first + 1`, …
    public static func members(_ count: Int, organisation: String, first: Int = 1) -> [MemberRecord] {
        (first...first + max(count, 1) - 1).prefix(count).map {
            MemberFixture.member(number: $0, memberIdPrefix: "\(organisation)-", organisationCode: organisation)
        }
    }

    /// Publishes `member.registered.v1` for each member as the member registry does.
    public static func registerMembers(_ members: [MemberRecord]) throws {
        let amqp = try amqp(user: "member-registry", confirms: true)
        defer { amqp.close() }
        try MemberFixture.publishRegistered(members, on: amqp, user: "member-registry")
    }

    /// Registers `members` and waits until validation's registry replica holds them all.
    public static func registerMembersReplicated(_ members: [MemberRecord]) throws {
        try registerMembers(members)
        try eventually("\(members.count) members replicated") {
            try count("SELECT count(*) AS n FROM validation.members WHERE member_id = ANY($1::text[])",
                      [PostgresArray(members.map(\.memberId))]) == Set(members.map(\.memberId)).count
        }
    }

    /// Registers `count` members of `organisation` (from number `firstMember`), then publishes a
    /// sample dossier for each as an integrator with confirms; returns their client ids.
    @discardableResult
    public static func submitDossiers(_ count: Int, organisation: String, integrator: String = "portal-test",
                                      firstMember: Int = 1) throws -> [String] {
        let members = members(count, organisation: organisation, first: firstMember)
        try registerMembers(members)
        let amqp = try amqp(user: integrator, confirms: true)
        defer { amqp.close() }
        var ids: [String] = []
        for i in 0..<count {
            let submit = SampleDossier.submit(organisation: organisation, member: members[i])
            let message = try SampleDossier.message(submit, userId: integrator)
            try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey,
                             body: message.body, properties: message.properties)
            ids.append(submit.clientSubmissionId)
            if i % 200 == 199 { try amqp.waitForConfirms() }
        }
        try amqp.waitForConfirms()
        return ids
    }

    /// Publishes a sample dossier for `member` as the integrator `portal-test` within the
    /// integrator's own trace (an AMQP `traceparent` header whose span is `spanId`); returns the
    /// trace's id.
    public static func submitTraced(organisation: String, member: MemberRecord, spanId: String) throws -> String {
        let traceId = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        var message = try SampleDossier.message(SampleDossier.submit(organisation: organisation, member: member), userId: "portal-test")
        message.properties.headers["traceparent"] = .string("00-\(traceId)-\(spanId)-01")
        let amqp = try amqp(user: "portal-test", confirms: true)
        defer { amqp.close() }
        try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey,
                         body: message.body, properties: message.properties)
        try amqp.waitForConfirms()
        return traceId
    }

    /// A fresh cell code, so each test counts only its own dossiers: cell 3 of province
    /// `T<n>A` of the test's own organisation tree (`organisationTree(around:)`).
    public static func uniqueOrganisation() -> String {
        "T\(String(format: "%06d", UInt32.random(in: 0...UInt32.max) % 1_000_000))A.CB0003"
    }

    /// The test's own small tree around a `uniqueOrganisation()` cell: provinces `T<n>A` and
    /// `T<n>B`, each with 2 superior committees of 2 grassroots organisations of 4 cells (cells
    /// 1–2 in the đảng bộ bộ phận BP001; 3–4 directly in CS001; 5–8 in CS002; 9–16 under DU02;
    /// 17–18 in CS999 directly under the province), decided over AMQP by `org-software-test`.
    public static func organisationTree(around cell: String) -> [OrganisationRecord] {
        let tag = String(cell.prefix { $0 != "." }.dropLast())
        return OrganisationFixture.tree(provinces: [tag + "A", tag + "B"],
                                        shape: .init(superiors: 2, grassrootsPerSuperior: 2, cellsPerGrassroots: 4),
                                        softwareUser: "org-software-test")
    }

    /// Publishes `organisation.registered.v1` for the test's tree as the organisation registry does.
    /// Their development signing keys are written first, so archive signs their results.
    public static func registerOrganisations(around cell: String) throws {
        try DevelopmentOrganisationKeys.issue(organisationTree(around: cell).map(\.code))
        let amqp = try amqp(user: "organisation-registry", confirms: true)
        defer { amqp.close() }
        try RegistryPublisher.publish(organisationTree(around: cell), as: .organisationRegistered, subject: \.code,
                                      on: amqp, user: "organisation-registry")
    }

    /// Waits until validation's replica of the registry has `memberId` in `organisation` (a
    /// transfer moves the member through routing's event, on validation's own queue).
    public static func awaitMember(_ memberId: String, in organisation: String, _ what: String = "the registry replica follows the member") throws {
        try eventually(what) {
            try value("SELECT organisation_code FROM validation.members WHERE member_id = $1", [memberId]) == organisation
        }
    }

    /// Organisations' software approving every step of the test's tree (prefix `T<n>`).
    public static func organisationSoftware(around cell: String) throws -> OrganisationSoftwareSimulator {
        try OrganisationSoftwareSimulator(url: amqpURL(user: "org-software-test"),
                                          prefixes: [String(cell.prefix { $0 != "." }.dropLast())])
    }

    /// The first column of the first row as text (nil when no row or NULL), for polling state.
    public static func value(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> String? {
        let db = try superuser()
        defer { db.close() }
        let result = try db.execute(sql, parameters)
        guard let row = result.rows.first else { return nil }
        return try row.optionalString(result.columns[0])
    }

    public static func count(_ sql: String, _ parameters: [(any PostgresEncodable)?] = [], port: Int? = nil) throws -> Int {
        let db = try superuser(port: port)
        defer { db.close() }
        return try db.execute(sql, parameters).first!.int("n")
    }
}

public struct TimeoutError: Error, CustomStringConvertible {
    public let what: String
    public let seconds: TimeInterval
    public var description: String { "timed out after \(seconds)s waiting for \(what)" }
}

import ServiceKit
// Tests use the development fixtures through TestSupport.
@_exported import Development
