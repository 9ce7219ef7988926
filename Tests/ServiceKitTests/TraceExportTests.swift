import ServiceKit
import XCTest

/// The OTLP exporter is off unless ops ask for it with OpenTelemetry's own variables.
final class TraceExportConfigurationTests: XCTestCase {
    func testSpansAreExportedOnlyWhenAnExporterIsNamed() {
        XCTAssertNil(TraceExport.configuration(service: "intake", environment: [:]))
        XCTAssertNil(TraceExport.configuration(service: "intake", environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        XCTAssertNil(TraceExport.configuration(service: "intake", environment: ["OTEL_TRACES_EXPORTER": "none"]))
        XCTAssertNil(TraceExport.configuration(service: "intake", environment: ["OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "TRUE"]))
        let configuration = TraceExport.configuration(service: "intake", environment: ["OTEL_TRACES_EXPORTER": "otlp"])
        XCTAssertEqual(configuration?.serviceName, "tthc-intake")
        XCTAssertEqual(configuration?.metrics.enabled, false, "metrics stay on /metrics")
        XCTAssertEqual(configuration?.logs.enabled, false, "logs stay JSON lines on stderr")
    }
}
