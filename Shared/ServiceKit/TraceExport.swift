import Foundation
import Logging
import Messaging
import OTel
import ServiceLifecycle
import Tracing

/// Spans exported to an OpenTelemetry collector over OTLP/HTTP (protobuf), when ops ask for it with
/// OpenTelemetry's own variables: `OTEL_TRACES_EXPORTER=otlp` and `OTEL_EXPORTER_OTLP_ENDPOINT`
/// (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, headers, timeout, certificate, `OTEL_TRACES_SAMPLER`…,
/// read by swift-otel). Off by default: every message and request still carries its traceparent and
/// every log line its ids; the exporter only adds the spans, with their times, to a tracing backend.
///
/// Spans, after OpenTelemetry's messaging conventions: `create <type>` (producer) for each message a
/// service emits, whose id is the message's traceparent; `process <type>` (consumer) for each message
/// handled, from its handling to the commit, child of the message's span and parent of what it emits;
/// `<METHOD> <route>` (server) for each HTTP request but probes and scrapes. Spans of a transaction
/// are ended (exported) only once it commits: a rolled-back attempt leaves none.
public enum TraceExport {
    /// swift-otel's configuration for `service` when `environment` asks for spans, nil otherwise.
    public static func configuration(service: String, environment: [String: String]) -> OTel.Configuration? {
        let exporter = environment["OTEL_TRACES_EXPORTER"] ?? "none"
        guard exporter != "none", exporter != "", environment["OTEL_SDK_DISABLED"]?.lowercased() != "true" else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "tthc-\(service)"
        // Metrics stay on /metrics (Prometheus) and logs on stderr (JSON lines).
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        // Built with swift-otel's OTLP/HTTP exporter only (no gRPC stack in the services).
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        return configuration
    }

    /// Sets the process's tracer when spans are asked for; the service returned exports them in
    /// the background and flushes what is left on shutdown (run it first, so it stops last).
    static func bootstrap(service: String, logger: Logger) throws -> (any Service)? {
        let environment = ProcessInfo.processInfo.environment
        guard var configuration = configuration(service: service, environment: environment) else { return nil }
        // Messages carry a W3C traceparent: another propagator would lose every span's parent.
        if let propagators = environment["OTEL_PROPAGATORS"], !propagators.split(separator: ",").contains("tracecontext") {
            throw ConfigurationError(variable: "OTEL_PROPAGATORS", problem: "must include tracecontext (the traceparent TTHC's messages carry)")
        }
        configuration.diagnosticLogger = .custom(logger)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("exporting spans over OTLP/HTTP", metadata: [
            "endpoint": .string(ProcessInfo.processInfo.environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
                ?? ProcessInfo.processInfo.environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "default"),
        ])
        return backend.service
    }

    /// Starts a span, child of `parent` (a traceparent; none or an invalid one starts a trace).
    /// Not exporting, a producer or server span is only a new traceparent (TTHC's own ids) and a
    /// consumer span is its parent's (nothing would record it).
    public static func start(_ name: String, kind: TraceSpan.Kind, parent: String?,
                             attributes: KeyValuePairs<String, String> = [:]) -> TraceSpan {
        let tracer = InstrumentationSystem.tracer
        guard !(tracer is NoOpTracer) else {
            return TraceSpan(traceparent: kind == .consumer ? parent : Messaging.Tracing.child(of: parent), span: nil)
        }
        var context = ServiceContext.topLevel
        if let parent { tracer.extract(["traceparent": parent], into: &context, using: TraceparentCarrier()) }
        let span = tracer.startSpan(name, context: context, ofKind: kind.spanKind)
        for (key, value) in attributes { span.attributes[key] = value }
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: TraceparentCarrier())
        return TraceSpan(traceparent: carrier["traceparent"] ?? Messaging.Tracing.child(of: parent), span: span)
    }
}

/// A span begun by `TraceExport.start`: its traceparent travels on; `end()` hands it to the exporter.
public struct TraceSpan: Sendable {
    public enum Kind: Sendable {
        case producer, consumer, server

        var spanKind: SpanKind {
            switch self {
            case .producer: .producer
            case .consumer: .consumer
            case .server: .server
            }
        }
    }

    public let traceparent: String?
    let span: (any Span)?

    public func set(_ key: String, _ value: Int) { span?.attributes[key] = value }

    /// An HTTP span's name once the route is known: `<METHOD> <route template>`.
    func named(_ method: String, route: String?) {
        guard let span else { return }
        span.operationName = "\(method) \(route ?? "(no route)")"
        if let route { span.attributes["http.route"] = route }
    }

    func failed(_ error: any Error) {
        span?.recordError(error)
        span?.setStatus(SpanStatus(code: .error))
    }

    public func end() { span?.end() }
}

/// Reads and writes the W3C `traceparent` of a header dictionary for the tracer.
private struct TraceparentCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
