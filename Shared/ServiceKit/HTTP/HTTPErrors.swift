import Contracts
import Hummingbird

/// The structured error body every HTTP edge answers with: a stable code for programs and a
/// Vietnamese message for people.
public enum HTTPError {
    public struct Body: Encodable {
        public let code: String
        public let message: String
        public var problems: [Problem]?

        public init(code: String, message: String, problems: [Problem]? = nil) {
            self.code = code
            self.message = message
            self.problems = problems
        }
    }

    public static func response(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        (try? jsonResponse(status, Body(code: code, message: message))) ?? Response(status: .internalServerError)
    }
}

/// The token of an `Authorization: Bearer …` header.
public func bearerToken(_ header: String) -> String? {
    guard header.lowercased().hasPrefix("bearer ") else { return nil }
    let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
    return token.isEmpty ? nil : token
}
