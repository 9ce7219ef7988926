import Foundation
import Logging
import Persistence
import Prometheus
import Synchronization

/// A gauge whose value lives in the service's own tables (e.g. archive's results held for want of
/// a key): read at each scrape from the database, so every replica reports the same figure and a
/// restart loses nothing. Label sets that disappear are reported 0 or removed, never left at their
/// last value.
public struct StoredGauge: Sendable {
    public struct Sample: Sendable {
        public let labels: [(String, String)]
        public let value: Double
        public init(labels: [(String, String)], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    /// What a label set that disappears reports: 0 (a count: nothing is held any more), or nothing
    /// at all (a time: 0 would read as 1970 and set off age alerts).
    public enum Vanished: Sendable { case zero, removed }

    public let name: String
    public let unit: String
    public let help: String
    public let vanished: Vanished
    public let sample: @Sendable (PostgresConnection) throws -> [Sample]

    public init(name: String, unit: String, help: String, vanished: Vanished = .zero,
                sample: @escaping @Sendable (PostgresConnection) throws -> [Sample]) {
        self.name = name
        self.unit = unit
        self.help = help
        self.vanished = vanished
        self.sample = sample
    }
}

extension ServiceMetrics {
    /// Reads every stored gauge; a database that cannot answer leaves them as they were (logged).
    func refresh(_ gauges: [StoredGauge], database: DatabasePool, seen: StoredGaugeLabels, logger: Logger) async {
        for gauge in gauges {
            do {
                let samples = try await database.run { try gauge.sample($0) }
                let descriptor = MetricNameDescriptor(namespace: "tthc", metricName: gauge.name, unitName: gauge.unit, helpText: gauge.help)
                let current = samples.map { [("service", service)] + $0.labels }
                for (labels, sample) in zip(current, samples) {
                    registry.makeGauge(descriptor: descriptor, labels: labels).set(sample.value)
                }
                for gone in seen.replace(gauge.name, with: current) {
                    let series = registry.makeGauge(descriptor: descriptor, labels: gone)
                    switch gauge.vanished {
                    case .zero: series.set(Double(0))
                    case .removed: registry.unregisterGauge(series)
                    }
                }
            } catch {
                logger.warning("stored gauge not read", metadata: ["gauge": .string(gauge.name), "error": .string("\(error)")])
            }
        }
    }
}

/// The label sets each stored gauge reported last, to zero those that disappear.
final class StoredGaugeLabels: Sendable {
    private let seen = Mutex<[String: [[String]: [(String, String)]]]>([:])

    /// Remembers `current` for `gauge`; returns the label sets reported before and not now.
    func replace(_ gauge: String, with current: [[(String, String)]]) -> [[(String, String)]] {
        let keyed = Dictionary(current.map { (Self.key($0), $0) }, uniquingKeysWith: { first, _ in first })
        return seen.withLock { seen in
            let gone = (seen[gauge] ?? [:]).filter { keyed[$0.key] == nil }.map(\.value)
            seen[gauge] = keyed
            return gone
        }
    }

    private static func key(_ labels: [(String, String)]) -> [String] { labels.flatMap { [$0.0, $0.1] } }
}
