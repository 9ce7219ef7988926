import Foundation
import Messaging

/// A configuration variable that is missing or malformed; names the variable.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "configuration error: \(variable) \(problem)" }

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }
}

/// Everything a service reads from its environment (ARCHITECTURE §5), with documented defaults.
/// Defaults point at the local servers of `Deploy/local/run.sh`.
public struct ServiceConfiguration: Sendable {
    /// Service name: `intake`, `validation`, ...; also its schema, AMQP user suffix, log label.
    public var service: String
    /// TTHC_AMQP_URL, default `amqp://tthc-<service>:tthc-<service>@127.0.0.1:5672/tthc`: one
    /// URL, or a cluster's nodes as comma-separated URLs (`amqpURLs`), tried in turn on each
    /// (re)connect; `amqpURL` is the first.
    public var amqpURL: String
    public var amqpURLs: [String]
    /// TTHC_AMQP_CA_CERT: CA bundle for `amqps://` (optional).
    public var amqpCACertificate: String?
    /// TTHC_AMQP_HEARTBEAT seconds, default 30.
    public var heartbeat: Int
    /// TTHC_DATABASE_URL, default `postgres://<service>:<service>@127.0.0.1:5432/tthc`.
    public var databaseURL: String
    /// TTHC_DATABASE_SCHEMA, default the service name.
    public var databaseSchema: String
    /// TTHC_HTTP_HOST (default 0.0.0.0) and TTHC_HTTP_PORT (default per service, 8081–8086).
    public var httpHost: String
    public var httpPort: Int
    /// TTHC_CONSUMERS: consumer threads per queue, each with its own connections (default 2).
    public var consumersPerQueue: Int
    /// TTHC_BATCH_SIZE: deliveries handled in one transaction (default 200).
    public var batchSize: Int
    /// TTHC_PREFETCH: unacknowledged deliveries per consumer (default 2 × batch size).
    public var prefetch: Int
    /// TTHC_MAX_MESSAGE_BYTES: larger bodies are dead-lettered (default 1 MiB).
    public var maxMessageBytes: Int
    /// TTHC_HANDLER_ATTEMPTS: tries of a failing message in-process before requeueing (default 4).
    public var handlerAttempts: Int
    /// TTHC_INBOX_RETENTION_DAYS: how long handled message ids are remembered for deduplication
    /// (default 30; redeliveries come within minutes, replays of dead letters within days).
    public var inboxRetentionDays: Int
    /// TTHC_DEAD_LETTER_RETENTION_DAYS: how long the `dead_letters` record of what was refused is
    /// kept (default 400: a year's questions); the dead-letter queue's copies stay until replayed
    /// or discarded by an operator.
    public var deadLetterRetentionDays: Int
    /// TTHC_SHUTDOWN_DRAIN_SECONDS: on shutdown, how long the outbox relay keeps publishing what
    /// the stopped consumers committed (default 20; keep it under the orchestrator's grace period).
    public var shutdownDrainSeconds: Int
    /// TTHC_LOG_LEVEL: trace, debug, info (default), notice, warning, error, critical.
    public var logLevel: String
    /// TTHC_LOG_FORMAT: json (default) or text.
    public var logFormat: String
    /// TTHC_FAULT_INJECTION: test-only crash points (`kill-after-commit`, `kill-before-commit`).
    public var faultInjection: String?

    public init(service: String, defaultHTTPPort: Int,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func string(_ name: String, _ fallback: String) -> String {
            let value = environment[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return value.isEmpty ? fallback : value
        }
        func int(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = Int(text) else {
                throw ConfigurationError(variable: name, problem: "must be a whole number, got \"\(text)\"")
            }
            guard range.contains(value) else {
                throw ConfigurationError(variable: name, problem: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
            }
            return value
        }
        self.service = service
        let amqpHost = string("TTHC_AMQP_HOST", "127.0.0.1")
        let amqpPort = string("TTHC_AMQP_PORT", "5672")
        let amqpURLList = string("TTHC_AMQP_URL", "amqp://tthc-\(service):tthc-\(service)@\(amqpHost):\(amqpPort)/tthc")
        amqpURLs = amqpURLList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        amqpURL = amqpURLs.first ?? amqpURLList
        amqpCACertificate = environment["TTHC_AMQP_CA_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        for url in amqpURLs {
            guard (try? AMQPURL(url)) != nil else {
                throw ConfigurationError(variable: "TTHC_AMQP_URL", problem: "is not a comma-separated list of amqp:// or amqps:// URLs")
            }
            try ServiceEnvironment.refuseDevelopmentCredentials(in: url, variable: "TTHC_AMQP_URL", environment: environment)
        }
        heartbeat = try int("TTHC_AMQP_HEARTBEAT", 30, 0...600)
        let pgHost = string("TTHC_PG_HOST", "127.0.0.1")
        let pgPort = string("TTHC_PG_PORT", "5432")
        databaseURL = string("TTHC_DATABASE_URL", "postgres://\(service):\(service)@\(pgHost):\(pgPort)/tthc")
        guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") else {
            throw ConfigurationError(variable: "TTHC_DATABASE_URL", problem: "must start with postgres://")
        }
        try ServiceEnvironment.refuseDevelopmentCredentials(in: databaseURL, variable: "TTHC_DATABASE_URL", environment: environment)
        databaseSchema = string("TTHC_DATABASE_SCHEMA", service)
        guard databaseSchema.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil else {
            throw ConfigurationError(variable: "TTHC_DATABASE_SCHEMA", problem: "must be a lowercase identifier")
        }
        httpHost = string("TTHC_HTTP_HOST", "0.0.0.0")
        httpPort = try int("TTHC_HTTP_PORT", defaultHTTPPort, 0...65535)
        consumersPerQueue = try int("TTHC_CONSUMERS", 2, 1...64)
        batchSize = try int("TTHC_BATCH_SIZE", 200, 1...5000)
        prefetch = try int("TTHC_PREFETCH", 2 * batchSize, 1...65535)
        maxMessageBytes = try int("TTHC_MAX_MESSAGE_BYTES", 1 << 20, 1024...(64 << 20))
        handlerAttempts = try int("TTHC_HANDLER_ATTEMPTS", 4, 1...20)
        inboxRetentionDays = try int("TTHC_INBOX_RETENTION_DAYS", 30, 1...3650)
        deadLetterRetentionDays = try int("TTHC_DEAD_LETTER_RETENTION_DAYS", 400, 1...36500)
        shutdownDrainSeconds = try int("TTHC_SHUTDOWN_DRAIN_SECONDS", 20, 0...600)
        logLevel = string("TTHC_LOG_LEVEL", "info")
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(variable: "TTHC_LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        logFormat = string("TTHC_LOG_FORMAT", "json")
        guard ["json", "text"].contains(logFormat) else {
            throw ConfigurationError(variable: "TTHC_LOG_FORMAT", problem: "must be json or text")
        }
        faultInjection = environment["TTHC_FAULT_INJECTION"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
