import Foundation
import Hummingbird

/// `/health/live`, `/health/ready` and `/metrics`, served by every service.
public enum OperationsRoutes {
    public static func add(to router: Router<BasicRequestContext>, health: HealthState, metrics: ServiceMetrics,
                           service: String) {
        router.get("/health/live") { _, _ -> Response in
            jsonResponse(.ok, ["status": "live", "service": service])
        }
        router.get("/health/ready") { _, _ -> Response in
            let parts = health.snapshot
            let ready = health.isReady
            var body: [String: Any] = ["status": ready ? "ready" : "not-ready", "service": service]
            body["checks"] = parts.mapValues { $0 ? "up" : "down" }
            return jsonResponse(ready ? .ok : .serviceUnavailable, body)
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
