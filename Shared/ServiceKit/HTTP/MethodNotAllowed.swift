import HTTPTypes
import Hummingbird
import Synchronization

/// A known path asked with a method it does not have (any method, QUERY and TRACE too) is
/// answered 405 with `Allow` (RFC 9110 §15.5.6), not 404: the caller learns the path exists and
/// what it takes. Added before the routes, it learns them once they are all added.
public final class MethodNotAllowed<Context: RequestContext>: RouterMiddleware, Sendable {
    /// Each route's path segments (nil: a capture) and the methods it has.
    private let table = Mutex<[(segments: [String?], methods: Set<String>)]>([])

    public init() {}

    public func learn(_ routes: [Router<Context>.RouteDescription]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath["\(route.path)", default: []].insert(route.method.rawValue) }
        let entries = byPath.map { path, methods in
            (path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? nil : String($0) }, methods)
        }
        table.withLock { $0 = entries }
    }

    /// The methods of every route whose path matches, or nil when none does.
    func methods(for path: String) -> Set<String>? {
        let parts = path.split(separator: "/").map(String.init)
        let matching = table.withLock { entries in
            entries.filter { entry in
                entry.segments.count == parts.count && zip(entry.segments, parts).allSatisfy { $0 == nil || $0 == $1 }
            }
        }
        return matching.isEmpty ? nil : matching.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.method.rawValue
        guard let allowed = methods(for: request.uri.path), !allowed.contains(method),
              !(request.method == .head && allowed.contains(HTTPRequest.Method.get.rawValue)) else {
            return try await next(request, context)
        }
        let allow = allowed.sorted().joined(separator: ", ")
        var response = HTTPError.response(.methodNotAllowed, "method-not-allowed",
                                          "Đường dẫn này không nhận phương thức \(method); chỉ nhận \(allow).")
        response.headers[.allow] = allow
        return response
    }
}
