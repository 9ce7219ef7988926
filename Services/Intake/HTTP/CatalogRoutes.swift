import Contracts
import Foundation
import Hummingbird
import ServiceKit

/// The public procedure catalog (Đ.5.8, Đ.10): every procedure with its processing time limit,
/// searchable by name; one procedure's entry in force now, or at `?at=<RFC 3339 time>`.
struct CatalogRoutes: Sendable {
    let catalog: ProcedureCatalog

    struct Summary: Codable, Sendable {
        let code: String
        let name: String
        let version: Int
        let effectiveFrom: Date
        let method: String
        let processingTimeLimitWorkingDays: Int
        let formCode: String
        let formVersion: String
    }

    func add(to router: Router<BasicRequestContext>, clock: ServiceClock) {
        router.get("/v1/procedures") { request, _ -> Response in
            let query = request.uri.queryParameters.get("q")?.lowercased() ?? ""
            let now = clock.now
            let summaries = Set(catalog.versions.map(\.code)).sorted().compactMap { catalog.procedure($0, at: now) }
                .filter { query.isEmpty || $0.name.lowercased().contains(query) || $0.code.lowercased().contains(query) }
                .map {
                    Summary(code: $0.code, name: $0.name, version: $0.version, effectiveFrom: $0.effectiveFrom, method: $0.method,
                            processingTimeLimitWorkingDays: $0.processingTimeLimit.workingDays, formCode: $0.form.code,
                            formVersion: $0.form.version)
                }
            return try jsonResponse(.ok, summaries)
        }
        router.get("/v1/procedures/:code") { request, context -> Response in
            let code = context.parameters.get("code") ?? ""
            var at = clock.now
            if let text = request.uri.queryParameters.get("at") {
                guard let parsed = WireJSON.parseTimestamp(text) else {
                    return HTTPError.response(.badRequest, "invalid-time", "Thời điểm tra cứu phải theo định dạng RFC 3339.")
                }
                at = parsed
            }
            guard let procedure = catalog.procedure(code, at: at) else {
                return HTTPError.response(.notFound, "procedure-not-found", "Không có thủ tục mã \(code) có hiệu lực tại thời điểm này.")
            }
            return try jsonResponse(.ok, procedure)
        }
    }
}
