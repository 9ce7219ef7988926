import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// The six executables as child processes on the real servers, as ops run them.
final class SystemHarness {
    static let services = ["intake", "validation", "routing", "payment", "notification", "archive"]
    static let ports = ["intake": 18081, "validation": 18082, "routing": 18083, "payment": 18084,
                        "notification": 18085, "archive": 18086]
    static let queues = ["intake.commands", "intake.events", "validation.dossiers", "validation.registry", "routing.dossiers",
                         "routing.organisations", "routing.decisions", "payment.requests", "payment.members", "archive.members",
                         "notification.events", "notification.organisations", "notification.contacts", "archive.dossiers", "validation.documents",
                         "archive.dossier-documents"] + services.map { "\($0).dead-letter" }

    private(set) var processes: [String: ServiceProcess] = [:]
    /// The test's member cell, in the test's own organisation tree (registered when routing starts).
    let organisation = TestEnvironment.uniqueOrganisation()
    /// Organisations' software approving every step of the test's tree, when started with `autoDecide`.
    private(set) var software: OrganisationSoftwareSimulator?
    /// Services given a database of their own (`TTHC_DATABASE_URL` or `_FILE`), not the tests' server.
    private var ownDatabase: Set<String> = []

    /// Empties the services' queues so that a test sees only its own messages.
    init() throws {
        for queue in Self.queues {
            // A queue not declared yet is fine: each purge gets its own connection.
            if let amqp = try? TestEnvironment.amqp() {
                try? amqp.purgeQueue(queue)
                amqp.close()
            }
        }
    }

    @discardableResult
    func start(_ service: String, environment: [String: String] = [:], waitUntilReady: Bool = true) throws -> ServiceProcess {
        var env = ["TTHC_LOG_FORMAT": "json"]
        // Results' verification links (their QR codes) lead to this archive.
        if service == "archive" { env["TTHC_VERIFICATION_BASE_URL"] = "http://127.0.0.1:\(Self.ports[service]!)" }
        // Integrators upload documents to this archive with intake's tickets.
        if service == "intake" { env["TTHC_DOCUMENT_UPLOAD_URL"] = "http://127.0.0.1:\(Self.ports["archive"]!)/v1/documents" }
        // Officers' views link to the dossier's documents at this archive.
        if service == "routing" || service == "validation" { env["TTHC_ARCHIVE_URL"] = "http://127.0.0.1:\(Self.ports["archive"]!)" }
        // Payers go to this payment's checkout links, which lead to the test's gateway sandbox.
        if service == "payment" {
            env["TTHC_PAYMENT_PUBLIC_URL"] = "http://127.0.0.1:\(Self.ports[service]!)"
            env["TTHC_VNPAY_PAYMENT_URL"] = "http://127.0.0.1:\(Self.sandboxPort)/paymentv2/vpcpay.html"
        }
        // Notices go by e-mail and SMS only in the tests that ask (NotificationDeliveryTests).
        if service == "notification" { env["TTHC_SMTP_URL"] = ""; env["TTHC_SMS_GATEWAY_URL"] = "" }
        for (k, v) in environment { env[k] = v }
        if environment["TTHC_DATABASE_URL"] != nil || environment["TTHC_DATABASE_URL_FILE"] != nil { ownDatabase.insert(service) }
        let process = try ServiceProcess(service, httpPort: Self.ports[service]!, environment: env)
        processes[service] = process
        if waitUntilReady {
            try process.waitUntilReady()
            // Routing's queue exists now: the registry's organisations reach it.
            if service == "routing" { try TestEnvironment.registerOrganisations(around: organisation) }
        }
        return process
    }

    static let sandboxPort = 18089

    /// The payment platform's sandbox (VNPay 2.1.0), calling this payment's IPN URL; IPN retries
    /// every `retrySeconds`.
    @discardableResult
    func startGatewaySandbox(retrySeconds: Double = 0.3, environment: [String: String] = [:]) throws -> ServiceProcess {
        let process = try ServiceProcess("gateway-sandbox", httpPort: Self.sandboxPort, environment: [
            "TTHC_SANDBOX_IPN_URL": "http://127.0.0.1:\(Self.ports["payment"]!)/v1/payment-gateways/vnpay/ipn",
            "TTHC_SANDBOX_IPN_RETRY_SECONDS": String(retrySeconds), "TTHC_SANDBOX_IPN_ATTEMPTS": "5",
        ].merging(environment) { $1 })
        processes["gateway-sandbox"] = process
        try process.waitUntilReady()
        return process
    }

    /// Every service; with `autoDecide`, the organisations' software approves every step, so
    /// dossiers run to their result.
    func startAll(environment: [String: String] = [:], autoDecide: Bool = true,
                  environmentOf: (String) -> [String: String] = { _ in [:] }) throws {
        for service in Self.services {
            try start(service, environment: environment.merging(environmentOf(service)) { $1 }, waitUntilReady: false)
        }
        for service in Self.services { try processes[service]!.waitUntilReady() }
        try startOrganisations(autoDecide: autoDecide)
    }

    /// The test's organisations registered and, with `autoDecide`, their software approving every
    /// step: by `startAll`, or alone where the services run elsewhere (containers).
    func startOrganisations(autoDecide: Bool = true) throws {
        try TestEnvironment.registerOrganisations(around: organisation)
        // The software's queue first: routing may already be assigning steps of waiting dossiers.
        if autoDecide && software == nil { software = try TestEnvironment.organisationSoftware(around: organisation) }
        // Each service keeps its own copy of the tree, from its own queue: a test acts once all have it.
        let codes = TestEnvironment.organisationTree(around: organisation).map(\.code)
        try TestEnvironment.eventually("every service knows the organisations") {
            try ["intake.organisation_hours", "validation.organisation_hours", "routing.organisations", "payment.dues_organisations"]
                .filter { !ownDatabase.contains(String($0.prefix { $0 != "." })) }
                .allSatisfy { table in
                    try TestEnvironment.count("SELECT count(*) AS n FROM \(table) WHERE code = ANY($1::text[])", [PostgresArray(codes)]) == codes.count
                }
        }
    }

    /// SIGTERM one service (to start it again with another configuration).
    func stop(_ service: String) throws {
        _ = try processes.removeValue(forKey: service)?.terminate()
    }

    /// SIGTERM every service; returns their exit statuses.
    @discardableResult
    func stopAll() throws -> [String: Int32] {
        var statuses: [String: Int32] = [:]
        software?.stop()
        software = nil
        for (_, process) in processes where process.isRunning { kill(process.pid, SIGTERM) }
        for (name, process) in processes { statuses[name] = try process.terminate() }
        processes.removeAll()
        return statuses
    }

    func metric(_ service: String, _ name: String) -> Double {
        guard let text = HTTPProbe.get("http://127.0.0.1:\(Self.ports[service]!)/metrics")?.body else { return 0 }
        return text.split(separator: "\n").filter { $0.hasPrefix(name + "{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    // MARK: Counting this test's dossiers in each service's schema

    func intakeDossiers() throws -> Int {
        try TestEnvironment.count("SELECT count(*) AS n FROM intake.dossiers WHERE receiving_organisation_code = $1",
                                  [organisation])
    }

    func validated() throws -> Int {
        try TestEnvironment.count("SELECT count(*) AS n FROM validation.dossiers WHERE receiving_organisation_code = $1",
                                  [organisation])
    }

    func archived() throws -> Int {
        try TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE dossier_code LIKE $1", [organisation + "-%"])
    }

    /// Notices to members (organisations' notices of each step are counted apart).
    func notices() throws -> Int {
        try TestEnvironment.count(
            "SELECT count(*) AS n FROM notification.notices WHERE dossier_code LIKE $1 AND recipient_kind = 'member'",
            [organisation + "-%"])
    }

    /// Every dossier once in every schema, with its four notices (received, accepted, decided, issued).
    func assertExactlyOnce(_ expected: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try intakeDossiers(), expected, "intake dossiers", file: file, line: line)
        XCTAssertEqual(try validated(), expected, "validation dossiers", file: file, line: line)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.routes WHERE dossier_code LIKE $1", [organisation + "-%"]), expected,
                       "routes", file: file, line: line)
        XCTAssertEqual(try archived(), expected, "results", file: file, line: line)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(DISTINCT dossier_code) AS n FROM archive.results WHERE dossier_code LIKE $1", [organisation + "-%"]),
                       expected, "distinct results", file: file, line: line)
        XCTAssertEqual(try notices(), 4 * expected, "notices", file: file, line: line)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT coalesce(max(last_value), 0) AS n FROM intake.dossier_sequences WHERE organisation_code = $1",
            [organisation]), expected, "gap-free dossier sequence", file: file, line: line)
        try assertReconciled(expected, file: file, line: line)
    }

    /// Runs `tthc-admin` and returns what it printed.
    func admin(_ arguments: [String]) throws -> String {
        let (status, output) = try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"), arguments)
        guard status == 0 else {
            throw ProcessExited(name: "tthc-admin \(arguments.joined(separator: " "))", status: status, log: output)
        }
        return output
    }

    /// Restarts the RabbitMQ application: every connection drops, durable queues survive.
    func restartBroker() throws {
        for command in ["stop_app", "start_app"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/local/servers.sh").path,
                                 "rabbitmqctl", "-q", command]
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "rabbitmqctl \(command)")
        }
    }

    deinit {
        for process in processes.values { process.kill9() }
    }
}

extension SystemHarness {
    /// `tthc-admin reconcile` for the test's organisation: its exit status (1: stuck or, with
    /// `--expect-finished`, unfinished dossiers) and what it printed.
    func reconcile(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"),
                       ["reconcile", "--organisation", organisation] + arguments)
    }

    /// The last step of every end-to-end and chaos test: `tthc-admin reconcile` accounts for
    /// exactly `expected` dossiers of the test's organisation, every one finished (intake hears
    /// the last events a moment after archive writes the results).
    func assertReconciled(_ expected: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        var last = ""
        do {
            try TestEnvironment.eventually(timeout: 120, interval: 0.5, "every dossier finished") {
                let (status, output) = try reconcile(["--expect-finished"])
                last = output
                return status == 0
            }
        } catch {
            XCTFail("reconcile: \(last)", file: file, line: line)
            throw error
        }
        XCTAssertTrue(last.hasPrefix("organisation \(organisation): \(expected) dossier(s): \(expected) finished, 0 waiting, 0 stuck"),
                      last, file: file, line: line)
    }
}
