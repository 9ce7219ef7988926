import ArgumentParser
import Contracts
import Foundation
import Messaging
import Persistence
import Development
import ServiceKit
import Synchronization

/// tthc-bench: submits N dossiers to the running system (Deploy/local/run.sh) and prints
/// end-to-end throughput and latency (submit→accepted, submit→archived) and each service's RSS.
@main
struct EndToEndBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tthc-bench",
                                                    abstract: "End-to-end throughput and latency of the running system.")

    @Option(help: "Dossiers to submit.") var count = 5000
    @Option(help: "Integrator user (password = name in development).") var integrator = "portal-test"
    @Option(help: "Broker host.") var host = ProcessInfo.processInfo.environment["TTHC_AMQP_HOST"] ?? "127.0.0.1"
    @Option(help: "Broker port.") var port = Int(ProcessInfo.processInfo.environment["TTHC_AMQP_PORT"] ?? "5672") ?? 5672
    @Option(help: "Give up after this many seconds.") var timeout: Double = 600
    @Option(help: "Submissions per second (0: as fast as the broker confirms them).") var rate: Double = 0
    @Flag(help: "Measure intake alone: submit→receipt on reply_to (run only tthc-intake).") var receiptsOnly = false
    @Option(help: "Receiving organisations to spread dossiers over (each has its own daily code sequence).")
    var organisations = 50
    @Option(help: "Members registered (member.registered.v1) before submitting; dossiers cycle through them.")
    var members = 10_000
    @Option(help: "How to observe progress: database (reads each service's timestamps afterwards; adds no broker load) or events (a queue on tthc.events).")
    var observe = "database"
    @Option(help: "Database URL for --observe database (a role that can read the services' schemas).")
    var databaseURL = "postgresql://postgres@/tthc?host=\(ProcessInfo.processInfo.environment["TTHC_PG_SOCKET_DIR"] ?? "/var/run/postgresql")&port=\(ProcessInfo.processInfo.environment["TTHC_PG_PORT"] ?? "5432")"

    @Option(help: "Route of the official transfers: short (to the next cell: 3–4 steps inside one grassroots organisation) or cross-superior (to a cell under another directly-superior committee: 6 steps, with the dues status).")
    var route = "short"
    @Flag(help: "Measure validation alone: pause tthc-validation (SIGSTOP) while intake receives every dossier, then resume it and time how fast it drains the backlog (needs --observe database).")
    var validationBacklog = false

    @Option(help: "Measure result signing alone with each key in this folder (Benchmarks/result-signing.sh): --count signatures each.")
    var signingKeys: String?
    @Option(help: "With --signing-keys: the roots to verify the signatures against.") var trustAnchors: String?

    @Option(help: "Measure payment's IPN edge alone: this many orders, each paid by one signed callback and then its duplicate (needs tthc-payment).")
    var ipnCallbacks: Int?
    @Option(help: "With --ipn-callbacks: concurrent connections.") var concurrency = 8
    @Option(help: "Measure e-mail: N through the mail path alone, then N notices through tthc-notification (TTHC_SMTP_*).") var emails: Int?

    func run() throws {
        if let emails {
            return try EmailFigures.run(count: emails, amqp: AMQPURL(host: host, port: port, vhost: "tthc", user: "tthc-payment", password: "tthc-payment"),
                                        databaseURL: databaseURL)
        }
        if let ipnCallbacks {
            return try IPNFigures.run(count: ipnCallbacks, concurrency: concurrency, paymentURL: "http://127.0.0.1:8084",
                                      amqp: AMQPURL(host: host, port: port, vhost: "tthc", user: "tthc-routing", password: "tthc-routing"),
                                      databaseURL: databaseURL)
        }
        if let signingKeys {
            return try SigningFigures.run(keys: URL(fileURLWithPath: signingKeys), count: count,
                                          trustAnchors: trustAnchors.map { URL(fileURLWithPath: $0) })
        }
        let prefix = "BENCH\(Int.random(in: 100...999))"
        // The bench's own organisation tree; its organisations' software approves every step, so
        // each dossier runs its route (3–4 steps inside a grassroots organisation) to the result.
        let tree = OrganisationFixture.tree(provinces: [prefix + "A", prefix + "B"],
                                            shape: .init(superiors: 2, grassrootsPerSuperior: 3, cellsPerGrassroots: 10),
                                            softwareUser: "org-software-test")
        let cells = tree.filter { $0.kind == .cell }.map(\.code)
        let crossSuperior = route == "cross-superior"
        guard crossSuperior || route == "short" else { throw ValidationError("--route: short or cross-superior") }
        // Cross-superior: from the cells directly under the 2nd and 3rd grassroots organisations of
        // the first superior to those of the second superior (no đảng bộ bộ phận on either side).
        let organisationCodes = crossSuperior ? Array(cells[10..<30]) : Array(cells.prefix(max(organisations, 1)))
        let destinations = crossSuperior ? Array(cells[40..<60]) : []
        let registry = (1...max(members, 1)).map {
            MemberFixture.member(number: $0, memberIdPrefix: "\(prefix)-", organisationCode: organisationCodes[$0 % organisationCodes.count])
        }
        var software: OrganisationSoftwareSimulator?
        defer { software?.stop() }
        // Archive signs each result with its organisation's key: the bench tree's development keys.
        if !receiptsOnly { try DevelopmentOrganisationKeys.issue(tree.map(\.code)) }
        if !receiptsOnly {
            try register(registry)
            let registryConnection = try AMQPConnection(url: AMQPURL(host: host, port: port, vhost: "tthc", user: "organisation-registry",
                                                                     password: "organisation-registry"))
            try registryConnection.enableConfirms()
            try RegistryPublisher.publish(tree, as: .organisationRegistered, subject: \.code, on: registryConnection,
                                          user: "organisation-registry")
            registryConnection.close()
            software = try OrganisationSoftwareSimulator(
                url: AMQPURL(host: host, port: port, vhost: "tthc", user: "org-software-test", password: "org-software-test"),
                prefixes: [prefix])
        }
        // Watch the events before submitting anything.
        let watcher = try AMQPConnection(url: AMQPURL(host: host, port: port, vhost: "tthc", user: "tthc-admin",
                                                      password: "tthc-admin"))
        // Named after the integrator: intake answers only queues of the message's sender.
        let queue = try watcher.declareQueue("\(integrator).replies.bench-\(UUID().uuidString.lowercased())", durable: false,
                                             exclusive: true, autoDelete: true).name
        if !receiptsOnly {
            for type in [MessageType.dossierReceived, .dossierAccepted, .resultIssued] {
                try watcher.bindQueue(queue, exchange: Exchange.events, routingKey: type.routingKey)
            }
        }
        try watcher.setPrefetch(2000)
        try watcher.consume(queue: queue)

        // Validation paused: its queue fills while intake receives; resumed once intake is done.
        let pausedValidation = validationBacklog ? signalServices(named: "tthc-validation", SIGSTOP) : []
        if validationBacklog && pausedValidation.isEmpty { throw ValidationError("--validation-backlog: no running tthc-validation process") }
        defer { _ = signalServices(named: "tthc-validation", SIGCONT) }
        // The dossiers are made (and their components signed, ~2 ms each) before the clock starts:
        // that is the members' side, not the system's.
        let messages = try buildSubmissions(registry: registry, replyTo: receiptsOnly ? queue : nil, destinations: destinations)
        let submittedAt = Mutex<[String: ContinuousClock.Instant]>([:])
        // What every process spends on the run (CPU, row writes, commits, deliveries, hop times).
        // Printed with the database observation only (receipts-only and events runs need no database).
        let figuresDatabase = observe == "database" && !receiptsOnly ? try PostgresConnection(url: databaseURL) : nil
        defer { figuresDatabase?.close() }
        let before = try figuresDatabase.map(SystemSnapshot.take)
        let statements = figuresDatabase.map(SystemSnapshot.resetStatements) ?? false
        let clock = ContinuousClock()
        let start = clock.now
        let (host, port, integrator, count, rate, receiptsOnly) = (host, port, integrator, count, rate, receiptsOnly)
        let publisherDone = DispatchSemaphore(value: 0)
        Thread {
            defer { publisherDone.signal() }
            do {
                let amqp = try AMQPConnection(url: AMQPURL(host: host, port: port, vhost: "tthc", user: integrator,
                                                           password: integrator))
                try amqp.enableConfirms()
                for i in 0..<count {
                    if rate > 0 {
                        // Paced: submission i leaves at start + i / rate.
                        let due = start + .milliseconds(Int(Double(i) * 1000 / rate))
                        let wait = due - clock.now
                        if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds)) }
                    }
                    let (clientSubmissionId, message) = messages[i]
                    submittedAt.withLock { $0[clientSubmissionId] = clock.now }
                    try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey,
                                     body: message.body, properties: message.properties)
                    if i % 500 == 499 || (rate > 0 && i % 50 == 49) { try amqp.waitForConfirms() }
                }
                try amqp.waitForConfirms()
                amqp.close()
                let took = Self.seconds(clock.now - start)
                FileHandle.standardOutput.write(Data(String(format: "published and confirmed: %d in %.1f s (%.0f/s)\n", count,
                                                            took, Double(count) / max(took, 0.001)).utf8))
            } catch {
                FileHandle.standardError.write(Data("publisher failed: \(error)\n".utf8))
            }
        }.start()

        if receiptsOnly {
            try measureReceipts(watcher, submittedAt: submittedAt, clock: clock, start: start)
            publisherDone.wait()
            watcher.close()
            return
        }
        if observe == "database" {
            watcher.close()
            publisherDone.wait()
            let resumedAt = validationBacklog ? try resumeValidationWhenReceived(prefix: prefix) : nil
            try measureFromDatabase(prefix: prefix, submittedAt: submittedAt, clock: clock, start: start, validationResumedAt: resumedAt)
            if let figuresDatabase, let before {
                SystemSnapshot.report(from: before, to: try SystemSnapshot.take(db: figuresDatabase), dossiers: count, print: report)
                if statements { try SystemSnapshot.reportStatements(db: figuresDatabase, dossiers: count, print: report) }
            }
            return
        }
        var clientIdByCode: [String: String] = [:]
        var acceptedLatency: [Duration] = []
        var archivedLatency: [Duration] = []
        var lastAccepted = start
        var lastArchived = start
        let deadline = Date().addingTimeInterval(timeout)
        while archivedLatency.count < count, Date() < deadline {
            guard let delivery = try watcher.nextDelivery(timeout: 0.5) else { continue }
            try watcher.ack(delivery.deliveryTag)
            let now = clock.now
            switch delivery.routingKey {
            case MessageType.dossierReceived.routingKey:
                let received = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: delivery.body).data
                guard received.receivingOrganisationCode.hasPrefix(prefix) else { continue }
                clientIdByCode[received.dossierCode] = received.clientSubmissionId
            case MessageType.dossierAccepted.routingKey:
                let accepted = try WireJSON.decode(Envelope<DossierAcceptedV1>.self, from: delivery.body).data
                guard let id = clientIdByCode[accepted.dossierCode], let sent = submittedAt.withLock({ $0[id] }) else { continue }
                acceptedLatency.append(now - sent)
                lastAccepted = now
            case MessageType.resultIssued.routingKey:
                let issued = try WireJSON.decode(Envelope<ResultIssuedV1>.self, from: delivery.body).data
                guard let id = clientIdByCode[issued.dossierCode], let sent = submittedAt.withLock({ $0[id] }) else { continue }
                archivedLatency.append(now - sent)
                lastArchived = now
            default: continue
            }
        }
        publisherDone.wait()
        watcher.close()

        report("dossiers submitted: \(count) (\(organisationCodes.count) organisations \(prefix).*)\(rate > 0 ? " at \(Int(rate))/s" : ", as fast as confirmed")")
        report(String(format: "submit→accepted: %d done, %.0f dossiers/s, latency p50 %@ p99 %@", acceptedLatency.count,
                     Double(acceptedLatency.count) / max(seconds(lastAccepted - start), 0.001),
                     percentile(acceptedLatency, 0.5), percentile(acceptedLatency, 0.99)))
        report(String(format: "submit→archived: %d done, %.0f dossiers/s, latency p50 %@ p99 %@", archivedLatency.count,
                     Double(archivedLatency.count) / max(seconds(lastArchived - start), 0.001),
                     percentile(archivedLatency, 0.5), percentile(archivedLatency, 0.99)))
        for (name, rss) in serviceMemory() { report("RSS \(name): \(rss / 1024) MiB") }
        if archivedLatency.count < count { throw ExitCode.failure }
    }

    /// Waits until every dossier is archived (checked, without archive running), then reads when
    /// each was accepted (validation) and archived (archive) from the services' own rows: the measurement adds no messages.
    func measureFromDatabase(prefix: String, submittedAt: borrowing Mutex<[String: ContinuousClock.Instant]>,
                             clock: ContinuousClock, start: ContinuousClock.Instant, validationResumedAt: Date?) throws {
        let db = try PostgresConnection(url: databaseURL)
        defer { db.close() }
        let pattern = prefix + "_.%"  // the provinces <prefix>A and <prefix>B
        // Without tthc-archive running (intake and validation measured alone) nothing is archived:
        // wait for validation's verdicts instead of the timeout.
        let archiving = runningServices().contains { $0.name == "tthc-archive" }
        // A range on the dossier code (it starts with the receiving organisation's code) reads the
        // index instead of every result: the polling itself must not show in the database's CPU.
        try poll(db, archiving
                    ? "SELECT count(*) AS n FROM archive.results WHERE dossier_code >= $1 AND dossier_code < $1 || '~'"
                    : "SELECT count(*) AS n FROM validation.dossiers WHERE receiving_organisation_code LIKE $1 || '_.%' AND status <> 'awaiting-registry'",
                 [prefix], until: count, every: 0.5)
        // Wall-clock offsets: instants of the run measured against the same machine clock.
        let wallStart = Date().addingTimeInterval(-seconds(clock.now - start))
        let rows = try db.execute("""
            SELECT i.client_submission_id AS id, extract(epoch FROM i.received_at)::float8 AS received,
                   extract(epoch FROM v.updated_at)::float8 AS accepted, extract(epoch FROM r.issued_at)::float8 AS archived
            FROM intake.dossiers i
            JOIN validation.dossiers v ON v.code = i.code
            LEFT JOIN archive.results r ON r.dossier_code = i.code
            WHERE i.receiving_organisation_code LIKE $1
            """, [pattern]).rows
        var accepted: [Duration] = []
        var archived: [Duration] = []
        var lastAccepted = 0.0
        var lastArchived = 0.0
        var validationLatency: [Duration] = []
        var firstReceived = Double.infinity
        for row in rows {
            guard let sent = submittedAt.withLock({ $0[try! row.string("id")] }) else { continue }
            let sentWall = wallStart.timeIntervalSince1970 + seconds(sent - start)
            let a = Double(try row.string("accepted"))!
            accepted.append(.milliseconds(Int((a - sentWall) * 1000)))
            lastAccepted = max(lastAccepted, a)
            let received = Double(try row.string("received"))!
            firstReceived = min(firstReceived, received)
            validationLatency.append(.milliseconds(Int((a - received) * 1000)))
            if let text = try row.optionalString("archived"), let r = Double(text) {
                archived.append(.milliseconds(Int((r - sentWall) * 1000)))
                lastArchived = max(lastArchived, r)
            }
        }
        let base = wallStart.timeIntervalSince1970
        report("dossiers submitted: \(count) (\(organisations) organisations \(prefix).*)\(rate > 0 ? " at \(Int(rate))/s" : ", as fast as confirmed"); observed in the services' tables")
        report(String(format: "submit→accepted: %d done, %.0f dossiers/s, latency p50 %@ p99 %@", accepted.count,
                     Double(accepted.count) / max(lastAccepted - base, 0.001), percentile(accepted, 0.5), percentile(accepted, 0.99)))
        if let resumed = validationResumedAt {
            // Backlog drain: validation's own capacity, nothing upstream limiting it.
            let drain = lastAccepted - resumed.timeIntervalSince1970
            report(String(format: "validation alone (backlog of %d drained): %.1f s, %.0f dossiers/s", accepted.count, drain,
                         Double(accepted.count) / max(drain, 0.001)))
        } else {
            // Share of submit→accepted spent after intake's receipt: validation's check and hops.
            let share = seconds(median(validationLatency)) / max(seconds(median(accepted)), 0.000_001) * 100
            report(String(format: "validation (intake receipt→accepted): %.0f dossiers/s over its busy span, latency p50 %@ p99 %@, %.0f%% of the submit→accepted p50",
                         Double(accepted.count) / max(lastAccepted - firstReceived, 0.001), percentile(validationLatency, 0.5),
                         percentile(validationLatency, 0.99), share))
        }
        report(String(format: "submit→archived: %d done, %.0f dossiers/s, latency p50 %@ p99 %@", archived.count,
                     Double(archived.count) / max(lastArchived - base, 0.001), percentile(archived, 0.5), percentile(archived, 0.99)))
        // Routing: decisions applied per second over its busy span, and each route's time from
        // its start to its decision (every step approved at once by the organisations' software).
        let routing = try db.execute("""
            SELECT count(*) AS steps, extract(epoch FROM max(s.decided_at) - min(s.decided_at))::float8 AS span,
                   (SELECT avg(n)::float8 FROM (SELECT count(*) AS n FROM routing.route_steps WHERE dossier_code LIKE $1 GROUP BY dossier_code) c) AS per_route,
                   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at))
                    FROM routing.routes WHERE dossier_code LIKE $1)::float8 AS p50,
                   (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at))
                    FROM routing.routes WHERE dossier_code LIKE $1)::float8 AS p99
            FROM routing.route_steps s WHERE s.dossier_code LIKE $1 AND s.decided_at IS NOT NULL
            """, [pattern]).first!
        let steps = Double(try routing.int("steps"))
        let span = Double(try routing.optionalString("span") ?? "0") ?? 0
        report(String(format: "routing: %.0f steps decided (%.1f per route), %.0f decisions/s; route start→decided p50 %.1f s p99 %.1f s",
                      steps, Double(try routing.optionalString("per_route") ?? "0") ?? 0, steps / max(span, 0.001),
                      Double(try routing.optionalString("p50") ?? "0") ?? 0, Double(try routing.optionalString("p99") ?? "0") ?? 0))
        for (name, rss) in serviceMemory() { report("RSS \(name): \(rss / 1024) MiB") }
        if (archiving ? archived.count : accepted.count) < count { throw ExitCode.failure }
    }

    /// Intake alone: time from publishing each submission to its receipt on `reply_to`.
    /// Publishes the registry as the member registry does and waits until validation holds it,
    /// so that the measured run checks dossiers against a full replica.
    func register(_ registry: [MemberRecord]) throws {
        let started = Date()
        let amqp = try AMQPConnection(url: AMQPURL(host: host, port: port, vhost: "tthc", user: "member-registry",
                                                   password: "member-registry"))
        try amqp.enableConfirms()
        try MemberFixture.publishRegistered(registry, on: amqp, user: "member-registry")
        amqp.close()
        let db = try PostgresConnection(url: databaseURL)
        defer { db.close() }
        let pattern = (registry.first?.memberId.split(separator: "-").first).map { "\($0)-%" } ?? "%"
        try poll(db, "SELECT count(*) AS n FROM validation.members WHERE member_id LIKE $1", [pattern],
                 until: registry.count, every: 0.2)
        report(String(format: "registry: %d members replicated into validation in %.1f s", registry.count, Date().timeIntervalSince(started)))
    }

    func measureReceipts(_ watcher: AMQPConnection, submittedAt: borrowing Mutex<[String: ContinuousClock.Instant]>,
                         clock: ContinuousClock, start: ContinuousClock.Instant) throws {
        var latencies: [Duration] = []
        var last = start
        let deadline = Date().addingTimeInterval(timeout)
        while latencies.count < count, Date() < deadline {
            guard let delivery = try watcher.nextDelivery(timeout: 0.5) else { continue }
            try watcher.ack(delivery.deliveryTag)
            guard let id = delivery.properties.correlationId, let sent = submittedAt.withLock({ $0[id] }) else { continue }
            last = clock.now
            latencies.append(last - sent)
        }
        report("intake alone over AMQP: \(latencies.count) receipts of \(count)\(rate > 0 ? " at \(Int(rate))/s" : ", as fast as confirmed")")
        report(String(format: "submit→receipt: %.0f dossiers/s, latency p50 %@ p99 %@",
                     Double(latencies.count) / max(seconds(last - start), 0.001),
                     percentile(latencies, 0.5), percentile(latencies, 0.99)))
        if latencies.count < count { throw ExitCode.failure }
    }

    func buildSubmissions(registry: [MemberRecord], replyTo: String?, destinations: [String]) throws -> [(String, (body: [UInt8], properties: MessageProperties))] {
        let built = Mutex<[Int: (String, (body: [UInt8], properties: MessageProperties))]>([:])
        let (count, integrator) = (count, integrator)
        let workers = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: count, by: workers) {
                let submit = SampleDossier.submit(member: registry[i % registry.count],
                                                  destination: destinations.isEmpty ? nil : destinations[i % destinations.count])
                guard let message = try? SampleDossier.message(submit, userId: integrator, replyTo: replyTo,
                                                               correlationId: submit.clientSubmissionId) else { continue }
                built.withLock { $0[i] = (submit.clientSubmissionId, message) }
            }
        }
        return try built.withLock { all in
            try (0..<count).map { i in
                guard let message = all[i] else { throw ValidationError("could not build submission \(i)") }
                return message
            }
        }
    }

    /// Polls `sql` (a `count(*) AS n`) until it reaches `target`, or the bench's timeout passes
    /// (the figures then say how many were done).
    func poll(_ db: PostgresConnection, _ sql: String, _ parameters: [(any PostgresEncodable)?], until target: Int,
              every interval: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, try db.execute(sql, parameters).first!.int("n") < target {
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Waits until intake has received every dossier of this run, then resumes validation.
    func resumeValidationWhenReceived(prefix: String) throws -> Date {
        let db = try PostgresConnection(url: databaseURL)
        defer { db.close() }
        try poll(db, "SELECT count(*) AS n FROM intake.dossiers WHERE receiving_organisation_code LIKE $1", [prefix + "_.%"],
                 until: count, every: 0.1)
        let resumed = Date()
        _ = signalServices(named: "tthc-validation", SIGCONT)
        return resumed
    }

    /// Sends `signal` to every running process named `name`; returns their pids.
    func signalServices(named name: String, _ signal: Int32) -> [Int32] {
        runningServices().filter { $0.name == name }.map { service in
            kill(service.pid, signal)
            return service.pid
        }
    }

    func median(_ values: [Duration]) -> Duration {
        values.isEmpty ? .zero : values.sorted()[values.count / 2]
    }

    /// One line of figures, written at once (unbuffered) so it shows even if the run is cut short.
    func report(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    func seconds(_ d: Duration) -> Double { Self.seconds(d) }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    func percentile(_ values: [Duration], _ p: Double) -> String {
        guard !values.isEmpty else { return "-" }
        let sorted = values.sorted()
        return String(format: "%.1f ms", seconds(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) * 1000)
    }
}
