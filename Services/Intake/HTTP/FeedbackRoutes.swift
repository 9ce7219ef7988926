import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Persistence
import ServiceKit

/// Intake's PAKN edge (OpenAPI: Services/Intake/HTTP/openapi.yaml), for integrators (bearer token)
/// and, for the status and the published answers, anyone:
/// - `POST /v1/feedback`: submit like `feedback.submit.v1`, idempotent by `Idempotency-Key`;
/// - `POST /v1/feedback/{code}/follow-ups`: withdraw, clarify, rate or appeal like
///   `feedback.follow-up.v1`, idempotent by `Idempotency-Key`;
/// - `GET /v1/feedback/{code}`: the status for anyone (PAKN codes are sequential, so the code
///   alone shows nothing else); with the submitting integrator's token the timeline too;
/// - `GET /v1/feedback-answers?q=…&topic=…`: the published answers (Đ.38.2), newest first.
struct FeedbackRoutes: Sendable {
    let desk: FeedbackDesk
    let maxBodyBytes: Int

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.post("/v1/feedback") { request, _ in
            try await submit(request, resources: resources)
        }
        router.post("/v1/feedback/:code/follow-ups") { request, context in
            try await followUp(code: context.parameters.get("code") ?? "", request, resources: resources)
        }
        router.get("/v1/feedback/:code") { request, context in
            try await status(code: context.parameters.get("code") ?? "", request, resources: resources)
        }
        router.get("/v1/feedback-answers") { request, _ in
            try await answers(request, resources: resources)
        }
    }

    /// The command's body (the payload or a whole envelope) decoded as `T`, with `fields` set: the
    /// idempotency key as `clientSubmissionId`, the path's PAKN code.
    func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer, setting fields: [String: String]) -> Result<T, HTTPErrorResponse> {
        guard var object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            return .failure(HTTPErrorResponse(HTTPError.response(.badRequest, "malformed-json", "Nội dung không phải JSON hợp lệ.")))
        }
        // The body is the payload, or a whole envelope of the AMQP message (as for dossiers).
        if object["specversion"] != nil, let data = object["data"] as? [String: Any] { object = data }
        for (name, value) in fields { object[name] = value }
        do {
            return .success(try WireJSON.decode(type, from: Array(try JSONSerialization.data(withJSONObject: object))))
        } catch let error as DecodingError {
            return .failure(HTTPErrorResponse(HTTPError.response(.unprocessableContent, "schema-violation",
                                                                  "Nội dung không đúng cấu trúc: \(describeDecodingError(error))")))
        } catch {
            return .failure(HTTPErrorResponse(HTTPError.response(.badRequest, "malformed-json", "Nội dung không phải JSON hợp lệ.")))
        }
    }

    /// The command's prelude, then its body as `T` with `fields` set.
    func read<T: Decodable>(_ type: T.Type, _ request: Request, setting fields: (String) -> [String: String])
        async -> Result<(token: String, command: T), HTTPErrorResponse> {
        switch await IntegratorCommandRequest.read(request, maxBodyBytes: maxBodyBytes, duplicateOf: "gửi trùng", subject: "Nội dung") {
        case .failure(let answer): return .failure(answer)
        case .success(let input): return decode(type, input.body, setting: fields(input.key)).map { (input.token, $0) }
        }
    }

    func submit(_ request: Request, resources: ServiceResources) async throws -> Response {
        let token: String, submit: FeedbackSubmitV1
        switch await read(FeedbackSubmitV1.self, request, setting: { ["clientSubmissionId": $0] }) {
        case .success(let read): (token, submit) = read
        case .failure(let answer): return answer.response
        }
        let outcome: FeedbackOutcome? = try await resources.transaction { context in
            guard let integrator = try Integrators.named(byToken: token, db: context.db) else { return nil }
            return try desk.receive(submit, integrator: integrator, message: nil, context: context)
        }
        switch outcome {
        case nil: return Integrators.unauthenticated
        case .created(let receipt)?: return try jsonResponse(.created, receipt)
        case .existing(let receipt)?: return try jsonResponse(.ok, receipt)
        case .rejected(let rejected)? where rejected.problems == [TechnicalCheck.keyReused]:
            return try jsonResponse(.unprocessableContent, HTTPError.Body(code: TechnicalCheck.keyReused.code,
                                                                          message: TechnicalCheck.keyReused.message,
                                                                          problems: rejected.problems))
        case .rejected(let rejected)?:
            return try jsonResponse(.unprocessableContent, HTTPError.Body(code: "feedback-rejected",
                                                                          message: "Phản ánh, kiến nghị chưa đạt yêu cầu.",
                                                                          problems: rejected.problems))
        }
    }

    func followUp(code: String, _ request: Request, resources: ServiceResources) async throws -> Response {
        let token: String, followUp: FeedbackFollowUpV1
        switch await read(FeedbackFollowUpV1.self, request, setting: { ["clientSubmissionId": $0, "paknCode": code] }) {
        case .success(let read): (token, followUp) = read
        case .failure(let answer): return answer.response
        }
        let answer: FeedbackFollowUpHandler.Answer? = try await resources.transaction { context in
            guard let integrator = try Integrators.named(byToken: token, db: context.db) else { return nil }
            return try FeedbackFollowUpHandler.take(followUp, integrator: integrator, message: nil, context: context)
        }
        switch answer {
        case nil: return Integrators.unauthenticated
        case .earlier(let received)?: return try jsonResponse(.accepted, received)
        case .rejected(let problems)?:
            let status: HTTPResponse.Status = problems.map(\.code) == ["unknown-feedback"] ? .notFound : .unprocessableContent
            return try jsonResponse(status, HTTPError.Body(code: problems[0].code, message: problems[0].message, problems: problems))
        case .new?: return HTTPError.response(.internalServerError, "internal-error", "Lỗi hệ thống khi ghi nhận yêu cầu.")
        }
    }

    func status(code: String, _ request: Request, resources: ServiceResources) async throws -> Response {
        guard code.range(of: "^PAKN\\.[0-9]{4}\\.[0-9]{6,}$", options: .regularExpression) != nil else {
            return HTTPError.response(.badRequest, "invalid-feedback-code", "Mã phản ánh, kiến nghị không đúng định dạng.")
        }
        let token = request.headers[.authorization].flatMap(bearerToken)
        let answer: Response? = try await resources.database.run { db in
            guard let row = try db.execute("""
                SELECT integrator, status, duplicate_of, \(rfc3339SQL("received_at")) AS received_at,
                       \(rfc3339SQL("answer_due")) AS answer_due
                FROM feedback WHERE code = $1
                """, [code]).first else { return nil }
            let status = try row.value(FeedbackStatus.self, "status")
            var view = FeedbackStatusView(paknCode: code, status: status, statusLabel: status.label)
            if let token {
                guard let integrator = try Integrators.named(byToken: token, db: db) else { return Integrators.unauthenticated }
                // The timeline is the sender's data: who saw it, or tried to, is audited.
                let mine = try integrator == row.string("integrator")
                try AuditLog.append([AuditEntry(at: resources.clock.now, actorKind: .integrator, actorId: integrator, action: "read-feedback-status",
                                                dossierCode: code, allowed: mine, detail: mine ? "the integrator's view" : "not its item",
                                                origin: "http")], db: db)
                guard mine else {
                    return HTTPError.response(.forbidden, "not-your-feedback", "Phản ánh, kiến nghị \(code) không do hệ thống của quý vị gửi.")
                }
                // Which earlier item it repeats tells who sent both: only for the sender's integrator.
                view.duplicateOf = try row.optionalString("duplicate_of")
                view.receivedAt = try row.string("received_at")
                view.answerDue = try row.optionalString("answer_due")
                view.history = try db.execute("""
                    SELECT change, status, details::text AS details, \(rfc3339SQL("occurred_at")) AS occurred_at
                    FROM feedback_events WHERE pakn_code = $1 ORDER BY occurred_at, message_id
                    """, [code]).rows.map {
                    FeedbackStatusView.Event(change: try $0.string("change"), status: try $0.string("status"), at: try $0.string("occurred_at"),
                                             details: try $0.optionalString("details").map { try WireJSON.decode(JSONValue.self, from: Array($0.utf8)) })
                }
            }
            return try jsonResponse(.ok, view)
        }
        return answer ?? HTTPError.response(.notFound, "feedback-not-found", "Không tìm thấy phản ánh, kiến nghị có mã \(code).")
    }

    func answers(_ request: Request, resources: ServiceResources) async throws -> Response {
        let query = FeedbackSimilarity.words(request.uri.queryParameters.get("q") ?? "").prefix(20)
        let topic: String? = request.uri.queryParameters.get("topic").map { String($0) }
        let found: [PublishedAnswer] = try await resources.database.run { db in
            try db.execute("""
                SELECT pakn_code, kind, topic, title, answer, organisation_code, \(rfc3339SQL("answered_at")) AS answered_at
                FROM published_answers
                WHERE ($1 = '' OR search @@ to_tsquery('simple', $1)) AND ($2::text IS NULL OR topic = $2)
                ORDER BY answered_at DESC LIMIT 50
                """, [query.map { "'\($0)'" }.joined(separator: " & "), topic]).rows.map {
                PublishedAnswer(paknCode: try $0.string("pakn_code"), kind: try $0.string("kind"), topic: try $0.string("topic"),
                                title: try $0.string("title"), answer: try $0.string("answer"),
                                organisationCode: try $0.string("organisation_code"), answeredAt: try $0.string("answered_at"))
            }
        }
        return try jsonResponse(.ok, ["answers": found])
    }
}

/// A PAKN item on the status desk: for anyone its status; for its integrator the timeline too.
struct FeedbackStatusView: Encodable, Sendable {
    struct Event: Encodable, Sendable {
        let change: String
        let status: String
        let at: String
        let details: JSONValue?
    }

    let paknCode: String
    let status: FeedbackStatus
    let statusLabel: String
    var duplicateOf: String?
    var receivedAt: String?
    var answerDue: String?
    var history: [Event]?
}

struct PublishedAnswer: Encodable, Sendable {
    let paknCode: String
    let kind: String
    let topic: String
    let title: String
    let answer: String
    let organisationCode: String
    let answeredAt: String
}
