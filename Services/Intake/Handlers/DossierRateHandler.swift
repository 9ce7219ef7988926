import Contracts
import Foundation
import Persistence
import ServiceKit

extension DossierRateV1: DossierCommand {
    /// The member's words are the command's "reason" (may be empty: a rating needs no words).
    public var reason: String { comment ?? "" }
}

/// `dossier.rate.v1`: the member rates (1–5) a dossier that is over — decided, refused, or its
/// result issued — through the integrator that submitted it. Intake records it once per dossier,
/// puts it on the timeline and emits `dossier.rated.v1` (routing's evaluation figures), answering
/// `reply_to` with it; the same request again gets the first answer, another rating of the same
/// dossier `already-rated`.
struct DossierRateHandler: DossierCommandHandler {
    let tables = ["ratings", "dossier_events"]
    let messageType = MessageType.dossierRate
    let acknowledgementType = MessageType.dossierRated

    /// Statuses at which the member has the outcome in hand.
    static let finished: Set<PublicDossierStatus> = [.refused, .decided, .resultIssued, .resultRevoked]

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try take(message, in: "ratings", context: context,
                 timeline: { ("rate", "Đảng viên đã đánh giá mức độ hài lòng: \($0.rating)/5.", ["rating": String($0.rating)]) }) { request, integrator in
            DossierRatedV1(dossierCode: request.dossierCode,
                           receivingOrganisationCode: try context.db.execute("SELECT receiving_organisation_code FROM dossiers WHERE code = $1",
                                                                             [request.dossierCode]).first!.string("receiving_organisation_code"),
                           integrator: integrator, clientSubmissionId: request.clientSubmissionId, rating: request.rating,
                           comment: request.trimmedReason.isEmpty ? nil : request.trimmedReason, ratedAt: context.now)
        }
    }

    typealias Answer = DossierCommands.Answer<DossierRatedV1>

    func answer(_ request: DossierRateV1, integrator: String, db: PostgresConnection) throws -> Answer {
        let textProblems = WireText.problems(in: request)
        if !textProblems.isEmpty { return .rejected(textProblems) }
        // The same request again (the same rating and words) gets its first answer; the same id
        // for another one is a reused key.
        func again(_ earlier: DossierRatedV1) -> Answer {
            earlier.dossierCode == request.dossierCode && earlier.rating == request.rating
                && (earlier.comment ?? "") == request.trimmedReason ? .earlier(earlier) : .rejected([TechnicalCheck.keyReused])
        }
        if let earlier = try DossierCommands.recorded(DossierRatedV1.self, in: "ratings", integrator: integrator,
                                                      clientSubmissionId: request.clientSubmissionId, db: db) {
            return again(earlier)
        }
        guard DossierRateV1.ratings.contains(request.rating) else {
            return .rejected([Problem(code: "rating-out-of-range", path: "$.data.rating",
                                      message: "Mức độ hài lòng phải từ 1 đến 5.")])
        }
        try DossierCommands.lock(request.dossierCode, db: db)
        // Read after the lock: a copy of this request taken meanwhile is found here, not refused.
        guard let dossier = try db.execute("""
            SELECT integrator, \(PublicDossierStatus.currentSQL(of: "dossiers.code")) AS status,
                   (SELECT r.request::text FROM ratings r WHERE r.dossier_code = dossiers.code) AS earlier
            FROM dossiers WHERE code = $1
            """, [request.dossierCode]).first, try dossier.string("integrator") == integrator else {
            return .rejected([DossierCommands.unknownDossier(request.dossierCode)])
        }
        if let earlier = try dossier.optionalJSON(DossierRatedV1.self, "earlier") {
            guard earlier.clientSubmissionId == request.clientSubmissionId else {
                return .rejected([Problem(code: "already-rated", path: "$.data.dossierCode",
                                          message: "Hồ sơ \(request.dossierCode) đã được đánh giá; mỗi hồ sơ được đánh giá một lần.")])
            }
            return again(earlier)
        }
        guard let status = try dossier.optionalValue(PublicDossierStatus.self, "status"), Self.finished.contains(status) else {
            return .rejected([Problem(code: "not-finished-yet", path: "$.data.dossierCode",
                                      message: "Hồ sơ \(request.dossierCode) chưa có kết quả giải quyết nên chưa thể đánh giá.")])
        }
        return .new
    }
}
