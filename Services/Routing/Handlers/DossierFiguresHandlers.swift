import Contracts
import Persistence
import ServiceKit

/// `dossier.supplement-requested.v1` → one interaction with the submitter (Đ.37.2: interactions
/// per dossier): a supplement asked for at the content check (sent by validation) or a return
/// during handling (sent by routing itself), told apart by the broker-verified sender.
struct SupplementRequestedFiguresHandler: BatchMessageHandler {
    let tables = ["dossier_interactions"]
    let messageType = MessageType.dossierSupplementRequested
    var idempotentByMessageId: Bool { true }
    /// Routing's own broker user: its supplement requests are the returns during handling.
    static let routingUser = MessageDirectory.service(named: "routing")!.amqpUser

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let requests = try batch.map { try $0.decode(DossierSupplementRequestedV1.self).data }
        try context.db.executeDeferred("""
            INSERT INTO dossier_interactions (message_id, dossier_code, kind, at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) ON CONFLICT DO NOTHING
            """, [PostgresArray(batch.map(\.id)), PostgresArray(requests.map(\.dossierCode)),
                  PostgresArray(batch.map { $0.sender == Self.routingUser ? "return" : "check-supplement" }),
                  PostgresArray(requests.map(\.requestedAt))])
    }
}

/// `dossier.rated.v1` → the member's satisfaction with the dossier, once (Đ.37.2).
struct DossierRatedHandler: BatchMessageHandler {
    let tables = ["dossier_ratings"]
    let messageType = MessageType.dossierRated
    var idempotentByMessageId: Bool { true }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let ratings = try batch.map { try $0.decode(DossierRatedV1.self).data }
        try context.db.executeDeferred("""
            INSERT INTO dossier_ratings (dossier_code, receiving_organisation_code, rating, rated_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[]) ON CONFLICT DO NOTHING
            """, [PostgresArray(ratings.map(\.dossierCode)), PostgresArray(ratings.map(\.receivingOrganisationCode)),
                  PostgresArray(ratings.map(\.rating)), PostgresArray(ratings.map(\.ratedAt))])
    }
}
