import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Messaging

extension Tracing {
    /// The trace of the HTTP request being served (`TraceMiddleware`): what a request emits
    /// continues it.
    @TaskLocal public static var current: String?
}

/// Reads the request's `traceparent` (or starts a trace), serves the request within it and
/// answers with the span it got, so a caller can follow its request.
public struct TraceMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Probes and scrapes are no one's trace.
        let path = request.uri.path
        if path == "/metrics" || path.hasPrefix("/health/") { return try await next(request, context) }
        // Named by the route matched (its template: no dossier code or access token in a span).
        let span = TraceExport.start("\(request.method.rawValue)", kind: .server, parent: request.headers[.traceparent],
                                     attributes: ["http.request.method": request.method.rawValue])
        defer { span.end() }
        do {
            var response = try await Tracing.$current.withValue(span.traceparent) { try await next(request, context) }
            span.named(request.method.rawValue, route: context.endpointPath)
            response.headers[.traceparent] = span.traceparent
            span.set("http.response.status_code", response.status.code)
            return response
        } catch {
            span.named(request.method.rawValue, route: context.endpointPath)
            span.failed(error)
            throw error
        }
    }
}

extension HTTPField.Name {
    public static let traceparent = HTTPField.Name("traceparent")!
}

extension Tracing {
    /// `trace_id` and `span_id` of a delivery's `traceparent` header, for its log lines.
    static func logMetadata(_ delivery: Delivery) -> Logger.Metadata {
        guard let ids = ids(of: delivery.properties.headers["traceparent"]?.stringValue) else { return [:] }
        return ["trace_id": .string(ids.traceId), "span_id": .string(ids.spanId)]
    }
}
