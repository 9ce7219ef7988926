import Foundation
import Prometheus

/// The Prometheus metrics every service exposes on `/metrics`.
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let service: String

    public init(service: String) { self.service = service }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "tthc", metricName: name, unitName: "total",
                                                               helpText: help),
                             labels: [("service", service)] + labels)
    }

    public func consumed(type: String, count: Int = 1) {
        counter("messages_consumed", "Messages handled and committed", [("type", type)]).increment(by: Int64(count))
    }

    /// A payment platform's callback and what payment answered (`tthc_payment_callbacks_total`).
    public func paymentCallback(provider: String, result: String) {
        counter("payment_callbacks", "Payment platform callbacks by answer", [("provider", provider), ("result", result)]).increment()
    }

    /// A notice's delivery attempt and where it left it (`tthc_notice_deliveries_total`: sent,
    /// delivered, failed, bounced, retried, rate-limited), per channel and provider.
    public func noticeDelivery(channel: String, provider: String, outcome: String) {
        counter("notice_deliveries", "Notice delivery outcomes by channel and provider",
                [("channel", channel), ("provider", provider), ("outcome", outcome)]).increment()
    }

    /// How long a provider took to answer one send.
    public func noticeSendDuration(_ duration: Duration, channel: String, provider: String) {
        latency("notice_send_seconds", "Time a provider took to answer one notice", [("channel", channel), ("provider", provider)])
            .record(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    public func duplicates(type: String) {
        counter("messages_duplicate", "Deliveries skipped because the inbox had them", [("type", type)]).increment()
    }

    public func published(type: String, count: Int = 1) {
        counter("messages_published", "Outbox messages published and confirmed", [("type", type)]).increment(by: Int64(count))
    }

    public func failed(type: String) {
        counter("messages_failed", "Handler attempts that failed and were retried", [("type", type)]).increment()
    }

    public func batchFallback() {
        counter("batch_fallbacks", "Batches that failed and were handled message by message", []).increment()
    }

    public func batchConflict() {
        counter("batch_conflicts", "Batches retried whole after a deadlock or serialization conflict", []).increment()
    }

    public func deadLettered(type: String, code: String) {
        counter("messages_dead_lettered", "Messages sent to the dead-letter queue", [("type", type), ("code", code)]).increment()
    }

    public func reconnected(_ what: String) {
        counter("reconnects", "Connections re-established after a failure", [("connection", what)]).increment()
    }

    public func handlerDuration(_ duration: Duration, type: String) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "tthc", metricName: "handler_duration", unitName: "seconds",
                                             helpText: "Time to handle one message, amortised over its batch"),
            labels: [("service", service), ("type", type)],
            buckets: [.microseconds(250), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                      .milliseconds(500), .seconds(2), .seconds(10)]
        ).record(duration)
    }

    /// A transaction committed: `consumer`, `relay`, `timers` or `http`.
    public func committed(_ kind: String) {
        counter("transactions", "Database transactions committed", [("kind", kind)]).increment()
    }

    /// Outbox row written → its publish confirmed by the broker, for each row of a published batch.
    public func relayLag(_ seconds: [Double]) {
        let histogram = latency("relay_lag", "Outbox row written to publish confirmed", [])
        for value in seconds { histogram.record(value) }
    }

    /// Publish by the producing service's relay → delivery to this consumer, for each delivery of a type.
    public func queueWait(_ seconds: [Double], type: String) {
        let histogram = latency("queue_wait", "Message published to delivered to this consumer", [("type", type)])
        for value in seconds { histogram.record(value) }
    }

    private func latency(_ name: String, _ help: String, _ labels: [(String, String)]) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(namespace: "tthc", metricName: name, unitName: "seconds", helpText: help),
            labels: [("service", service)] + labels,
            buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2, 10, 60])
    }

    /// 1 for each worker connected and working, 0 for one that is reconnecting.
    public func workersUp(_ workers: [String: Bool]) {
        for (worker, up) in workers {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "tthc", metricName: "worker_up", unitName: nil,
                                                                 helpText: "1 when the worker (consumer, relay, timers) is connected and working"),
                               labels: [("service", service), ("worker", worker)]).set(up ? 1.0 : 0.0)
        }
    }

    public func outboxBacklog(_ rows: Int) {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "tthc", metricName: "outbox_backlog",
                                                             unitName: "messages", helpText: "Outbox rows not yet published"),
                           labels: [("service", service)]).set(Double(rows))
    }

    public func text() -> String { registry.emitToString() }
}
