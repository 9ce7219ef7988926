import Contracts
import Foundation
import Hummingbird
import Logging

/// `/health/live`, `/health/ready` and `/metrics`, served by every service.
public enum OperationsRoutes {
    public static func add(to router: Router<BasicRequestContext>, health: HealthState, metrics: ServiceMetrics,
                           service: String, gauges: [StoredGauge], database: DatabasePool, logger: Logger) {
        let seen = StoredGaugeLabels()
        router.get("/health/live") { _, _ -> Response in
            try jsonResponse(.ok, Health(status: "live", service: service, checks: nil))
        }
        router.get("/health/ready") { _, _ -> Response in
            let ready = health.isReady
            return try jsonResponse(ready ? .ok : .serviceUnavailable, Health(
                status: ready ? "ready" : "not-ready", service: service,
                checks: health.snapshot.mapValues { $0 ? "up" : "down" }))
        }
        router.get("/metrics") { _, _ -> Response in
            if !gauges.isEmpty {
                await metrics.refresh(gauges, database: database, seen: seen, logger: logger)
            }
            // Each worker's health (a consumer, the relay, the timers), for "consumer down" alerts
            // while the process itself still answers.
            metrics.workersUp(health.snapshot)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
    }

    struct Health: Encodable {
        let status: String
        let service: String
        let checks: [String: String]?
    }
}

/// A JSON response in the wire format (sorted keys, RFC 3339 times), for every service's HTTP edge.
public func jsonResponse<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) throws -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
             body: .init(byteBuffer: ByteBuffer(bytes: try WireJSON.encode(value))))
}
