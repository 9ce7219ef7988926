import Contracts
import Foundation
import Hummingbird
import Persistence

/// An HTTP answer decided inside a transaction (a `Response` cannot leave it: it is not Sendable).
public struct HTTPAnswer: Sendable {
    public let status: HTTPResponse.Status
    public let body: [UInt8]
    public var contentType = "application/json; charset=utf-8"

    public static func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) throws -> HTTPAnswer {
        HTTPAnswer(status: status, body: try WireJSON.encode(value))
    }

    /// A file as it is (e.g. a scan), with its media type.
    public static func file(_ bytes: [UInt8], mediaType: String) -> HTTPAnswer {
        HTTPAnswer(status: .ok, body: bytes, contentType: mediaType)
    }

    /// The structured error every edge answers with: a stable code and a Vietnamese message.
    public static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) throws -> HTTPAnswer {
        try json(status, HTTPError.Body(code: code, message: message))
    }

    public var response: Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// One officer request being served: who asks (from the verified token) and the transaction it
/// runs in, with the audit log bound to both so every view and decision is recorded in the same
/// transaction as what it shows or changes.
public struct OfficerCall {
    public let officer: OfficerClaims
    public let context: HandlerContext

    /// Records the officer's view or decision, allowed or not, with the transaction's commit.
    public func audit(_ action: String, dossierCode: String? = nil, memberId: String? = nil, allowed: Bool, detail: String? = nil) throws {
        context.audit(.officer(officer, action: action, dossierCode: dossierCode, memberId: memberId, allowed: allowed,
                               detail: detail, at: context.now))
    }
}

/// The officers' edges (routing's decisions, validation's revision history) share one prelude:
/// verify the bearer token (401), decode the JSON body (400 saying what is expected), then run the
/// work in one transaction with what it emits going to the outbox.
public struct OfficerRequests: Sendable {
    public let tokens: OfficerTokens
    public let resources: ServiceResources
    /// The token roles this edge takes (officers and auditors unless it says otherwise).
    public let roles: Set<String>
    /// Largest request body accepted; officer requests are small JSON documents.
    public static let maximumBodyBytes = 256 * 1024

    public init(tokens: OfficerTokens, resources: ServiceResources, roles: Set<String> = OfficerClaims.officerRoles) {
        self.tokens = tokens
        self.resources = resources
        self.roles = roles
    }

    public func serve(_ request: Request, _ work: @escaping @Sendable (OfficerCall) throws -> HTTPAnswer) async throws -> Response {
        guard let officer = await tokens.officer(of: request, roles: roles) else { return OfficerTokens.unauthenticated }
        return try await resources.transaction { context in
            try work(OfficerCall(officer: officer, context: context))
        }.response
    }

    /// As `serve`, with the request's JSON body decoded as `Body`; `expected` tells the caller the
    /// shape when it does not decode.
    public func serve<Body: Decodable & Sendable>(_ request: Request, body: Body.Type, expected: String,
                                                  maximumBytes: Int = Self.maximumBodyBytes,
                                                  _ work: @escaping @Sendable (OfficerCall, Body) throws -> HTTPAnswer) async throws -> Response {
        guard let officer = await tokens.officer(of: request, roles: roles) else { return OfficerTokens.unauthenticated }
        guard let buffer = try? await request.body.collect(upTo: maximumBytes),
              let input = try? WireJSON.decode(Body.self, from: Array(buffer.readableBytesView)) else {
            return HTTPError.response(.badRequest, "invalid-body", "Nội dung không hợp lệ: cần JSON \(expected).")
        }
        return try await resources.transaction { context in
            try work(OfficerCall(officer: officer, context: context), input)
        }.response
    }
}
