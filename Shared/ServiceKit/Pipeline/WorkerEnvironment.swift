import Foundation
import Logging
import Messaging
import Persistence

/// Settings shared by the workers of one service process.
public struct WorkerEnvironment: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let metrics: ServiceMetrics
    public let health: HealthState
    public let relayWake: WakeSignal
    public let topology: ServiceTopology
    public let clock: ServiceClock

    public init(configuration: ServiceConfiguration, logger: Logger, metrics: ServiceMetrics, health: HealthState,
                relayWake: WakeSignal, topology: ServiceTopology, clock: ServiceClock = ServiceClock()) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.health = health
        self.relayWake = relayWake
        self.topology = topology
        self.clock = clock
    }

    /// The broker address of the `attempt`th connection: a cluster's nodes in turn, from a
    /// random first one so that replicas spread over the nodes.
    func amqpURL(attempt: Int = 0) throws -> AMQPURL {
        let urls = configuration.amqpURLs
        return try AMQPURL(urls.isEmpty ? configuration.amqpURL : urls[attempt % urls.count],
                           caCertificatePath: configuration.amqpCACertificate)
    }

    /// The reconnect loop shared by consumers and the relay: opens a database and a broker
    /// connection, lets `prepare` set them up, marks the worker healthy, runs the session it
    /// returns, and on any failure closes both, waits (0.2 s doubling to 10 s) and starts again.
    /// Ends when the session returns true, or when `stop` is set and `keepGoingAfterStop` says no.
    func withConnections(worker: String, kind: String, logger: Logger, stop: StopFlag,
                         keepGoingAfterStop: () -> Bool = { false },
                         prepare: (PostgresConnection, AMQPConnection) throws -> () throws -> Bool) {
        var backoff: TimeInterval = 0.2
        var connectedBefore = false
        // Which node next: a lost or refused connection moves on to the next address.
        var attempt = Int.random(in: 0..<max(1, configuration.amqpURLs.count))
        health.set(worker, up: false)
        defer { health.set(worker, up: false) }
        while !stop.isSet || keepGoingAfterStop() {
            var db: PostgresConnection?
            var amqp: AMQPConnection?
            do {
                db = try openDatabase()
                amqp = try AMQPConnection(url: amqpURL(attempt: attempt), heartbeat: configuration.heartbeat, connectionName: worker)
                let session = try prepare(db!, amqp!)
                health.set(worker, up: true)
                if connectedBefore { metrics.reconnected(kind) }
                connectedBefore = true
                backoff = 0.2
                let done = try session()
                amqp?.close()
                db?.close()
                if done { return }
            } catch {
                attempt += 1
                health.set(worker, up: false)
                logger.warning("connection lost, reconnecting", metadata: [
                    "error": .string("\(error)"), "retryInSeconds": .stringConvertible(backoff),
                ])
                amqp?.close()
                db?.close()
                if !stop.isSet {
                    stop.wait(backoff)
                } else if keepGoingAfterStop() {
                    Thread.sleep(forTimeInterval: backoff)  // draining after stop: still back off
                }
                backoff = min(backoff * 2, 10)
            }
        }
    }

    public func openDatabase() throws -> PostgresConnection {
        try PostgresConnection(url: configuration.databaseURL, setupStatements: [
            "SET search_path TO \(configuration.databaseSchema)",
            // A blocked row should fail fast and be retried, not hold the batch forever.
            "SET lock_timeout = '10s'",
            "SET client_min_messages = warning",
        ])
    }
}
