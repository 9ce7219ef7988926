import W3CTraceContext

/// W3C trace context (`traceparent`) through every hop, after OpenTelemetry's messaging
/// conventions: each message a span of its own, a child of the message or request that caused
/// it, so one dossier's messages from the integrator's submission to its result share one trace
/// id. The ids are in the JSON log lines about a message (`trace_id`, `span_id`).
public enum Tracing {
    /// A child of `parent` (same trace, new span, same flags), or the start of a new trace when
    /// there is no parent or it is not a valid traceparent.
    public static func child(of parent: String?) -> String {
        guard let parent, let context = try? TraceContext(traceParentHeaderValue: parent) else {
            return TraceContext(traceID: .random(), spanID: .random(), flags: .sampled, state: TraceState()).traceParentHeaderValue
        }
        return TraceContext(traceID: context.traceID, spanID: .random(), flags: context.flags, state: TraceState()).traceParentHeaderValue
    }

    /// The trace and span ids of a valid traceparent, for log lines; nil otherwise.
    public static func ids(of traceparent: String?) -> (traceId: String, spanId: String)? {
        guard let traceparent, let context = try? TraceContext(traceParentHeaderValue: traceparent) else { return nil }
        return ("\(context.traceID)", "\(context.spanID)")
    }
}
