import Foundation
import HTTPTypes
import Hummingbird
import Persistence
import ServiceKit
import Signatures

/// Integrators are known by their RabbitMQ user, which the broker verifies as the message's `user_id`.
enum Integrators {
    /// The verified sender of each message; a message from no or an inactive integrator is dead-lettered.
    static func verifiedSenders(of batch: [IncomingMessage], db: PostgresConnection) throws -> [String] {
        let senders = Array(Set(batch.compactMap(\.sender)))
        let active = Set(try db.execute("SELECT name FROM integrators WHERE active AND name = ANY($1::text[])",
                                        [PostgresArray(senders)]).rows.map { try $0.string("name") })
        return try batch.map { message in
            guard let integrator = message.sender else {
                throw PermanentFailure(code: "unknown-integrator", reason: "message has no user_id: the sender is unknown")
            }
            guard active.contains(integrator) else {
                throw PermanentFailure(code: "unknown-integrator",
                                       reason: "integrator \(integrator) is not registered or not active in intake")
            }
            return integrator
        }
    }

    /// The active integrator whose HTTP bearer token this is (only its SHA-256 is stored). The
    /// development token migration 002 seeded (`<name>-token`) works only in development mode.
    static func named(byToken token: String, db: PostgresConnection) throws -> String? {
        let name = try db.execute("SELECT name FROM integrators WHERE active AND api_token_sha256 = $1", [sha256Hex(Array(token.utf8))])
            .first.map { try $0.string("name") }
        guard let name, developmentMode || !ServiceEnvironment.isDevelopmentToken(token, integrator: name) else { return nil }
        return name
    }

    static let developmentMode = ServiceEnvironment.isDevelopment(ProcessInfo.processInfo.environment)

    /// The answer to a missing, unknown or revoked token.
    static let unauthenticated = HTTPError.response(.unauthorized, "unauthenticated", "Mã xác thực không hợp lệ hoặc đã bị thu hồi.")
}
