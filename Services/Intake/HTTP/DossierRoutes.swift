import Contracts
import Foundation
import Signatures
import HTTPTypes
import Hummingbird
import Persistence
import ServiceKit

/// Intake's HTTP edge (OpenAPI: Services/Intake/HTTP/openapi.yaml):
/// `POST /v1/dossiers` submits like `dossier.submit.v1` over AMQP, idempotent by `Idempotency-Key`;
/// `GET /v1/dossiers/{code}` is the public status desk (lookup by code or by the receipt's QR code).
struct DossierRoutes: Sendable {
    let desk: SubmissionDesk
    let maxBodyBytes: Int

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.post("/v1/dossiers") { request, _ in
            try await submit(request, resources: resources)
        }
        router.get("/v1/dossiers/:code") { _, context in
            try await status(code: context.parameters.get("code") ?? "", resources: resources)
        }
    }


    // MARK: Submit

    func submit(_ request: Request, resources: ServiceResources) async throws -> Response {
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map(String.init) ?? ""
        guard ["application/json", "application/cloudevents+json"].contains(contentType) else {
            return HTTPError.response(.unsupportedMediaType, "unsupported-content-type",
                                      "Nội dung phải có định dạng application/json.")
        }
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty, key.count <= 128 else {
            return HTTPError.response(.badRequest, "idempotency-key-required",
                                      "Thiếu tiêu đề Idempotency-Key (tối đa 128 ký tự) để tránh nộp trùng hồ sơ.")
        }
        guard let token = request.headers[.authorization].flatMap(bearerToken) else {
            return HTTPError.response(.unauthorized, "unauthenticated", "Thiếu hoặc sai mã xác thực (Authorization: Bearer).")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return HTTPError.response(.contentTooLarge, "message-too-large",
                                      "Hồ sơ vượt quá kích thước cho phép (\(maxBodyBytes) byte).")
        }
        var submit: DossierSubmitV1
        switch decodeSubmission(Array(buffer: body)) {
        case .submission(let decoded): submit = decoded
        case .invalid(let problem): return problem
        }
        submit.clientSubmissionId = key
        let request = submit
        let tokenDigest = sha256Hex(Array(token.utf8))
        let outcome: SubmissionOutcome? = try await resources.transaction { context in
            guard let integrator = try context.db.execute(
                "SELECT name FROM integrators WHERE active AND api_token_sha256 = $1", [tokenDigest]).first else { return nil }
            return try desk.receive([SubmissionRequest(integrator: try integrator.string("name"), submit: request, message: nil)],
                                    context: context).first
        }
        switch outcome {
        case nil:
            return HTTPError.response(.unauthorized, "unauthenticated", "Mã xác thực không hợp lệ hoặc đã bị thu hồi.")
        case .created(let receipt)?:
            return try jsonResponse(.created, receipt.withoutDocumentBytes)
        case .existing(let receipt)?:
            return try jsonResponse(.ok, receipt.withoutDocumentBytes)
        case .rejected(let rejected)? where rejected.problems == [TechnicalCheck.keyReused]:
            return try jsonResponse(.unprocessableContent, HTTPError.Body(code: TechnicalCheck.keyReused.code,
                                                                          message: TechnicalCheck.keyReused.message,
                                                                          problems: rejected.problems))
        case .rejected(let rejected)?:
            return try jsonResponse(.unprocessableContent, HTTPError.Body(code: "technical-check-failed",
                                                                  message: "Hồ sơ chưa đạt yêu cầu kiểm tra kỹ thuật.",
                                                                  problems: rejected.problems))
        }
    }

    enum DecodedBody {
        case submission(DossierSubmitV1)
        case invalid(Response)
    }

    /// The body is either the submission itself or a whole `dossier.submit.v1` envelope.
    func decodeSubmission(_ bytes: [UInt8]) -> DecodedBody {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .invalid(HTTPError.response(.badRequest, "invalid-utf8", "Nội dung không phải văn bản UTF-8 hợp lệ."))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return .invalid(HTTPError.response(.badRequest, "malformed-json", "Nội dung không phải JSON hợp lệ."))
        }
        do {
            if object["specversion"] != nil {
                return .submission(try WireJSON.decode(Envelope<DossierSubmitV1>.self, from: bytes).data)
            }
            return .submission(try WireJSON.decode(DossierSubmitV1.self, from: bytes))
        } catch let error as DecodingError {
            return .invalid(HTTPError.response(.unprocessableContent, "schema-violation",
                                               "Hồ sơ không đúng cấu trúc: \(describeDecodingError(error))"))
        } catch {
            return .invalid(HTTPError.response(.badRequest, "malformed-json", "Nội dung không phải JSON hợp lệ."))
        }
    }


    // MARK: Status desk

    func status(code: String, resources: ServiceResources) async throws -> Response {
        guard code.range(of: "^[A-Z0-9.]{2,32}-[0-9]{6}-[0-9]{6,}$", options: .regularExpression) != nil else {
            return HTTPError.response(.badRequest, "invalid-dossier-code", "Mã hồ sơ không đúng định dạng.")
        }
        let found: DossierStatus? = try await resources.database.run { db in
            guard let row = try db.execute("""
                SELECT code, procedure_code, receiving_organisation_code, \(PublicDossierStatus.currentSQL(of: "dossiers.code")) AS status,
                       \(rfc3339SQL("deadline")) AS deadline,
                       \(rfc3339SQL("received_at")) AS received_at,
                       \(rfc3339SQL("official_receipt_at")) AS official_receipt_at
                FROM dossiers WHERE code = $1
                """, [code]).first else { return nil }
            let history = try db.execute("""
                SELECT event_type, summary,
                       \(rfc3339SQL("occurred_at")) AS occurred_at
                FROM dossier_events WHERE dossier_code = $1 ORDER BY occurred_at, event_type
                """, [code]).rows.map {
                DossierStatus.Event(type: try $0.string("event_type"), at: try $0.string("occurred_at"),
                                    summary: try $0.string("summary"))
            }
            let status = try row.value(PublicDossierStatus.self, "status")
            return DossierStatus(
                dossierCode: try row.string("code"), procedureCode: try row.string("procedure_code"),
                receivingOrganisationCode: try row.string("receiving_organisation_code"), status: status,
                statusLabel: status.label, receivedAt: try row.string("received_at"),
                officialReceiptAt: try row.string("official_receipt_at"), deadline: try row.optionalString("deadline"),
                history: history, verificationUrl: desk.verificationURL(code))
        }
        guard let found else {
            return HTTPError.response(.notFound, "dossier-not-found", "Không tìm thấy hồ sơ có mã \(code).")
        }
        return try jsonResponse(.ok, found)
    }
}

/// The public view of a dossier: no private content, only status and history.
struct DossierStatus: Codable, Sendable {
    struct Event: Codable, Sendable {
        let type: String
        let at: String
        let summary: String
    }

    let dossierCode: String
    let procedureCode: String
    let receivingOrganisationCode: String
    let status: PublicDossierStatus
    let statusLabel: String
    let receivedAt: String
    let officialReceiptAt: String
    /// Processing deadline: the procedure's time limit in working days from the official receipt.
    let deadline: String?
    let history: [Event]
    /// The address encoded in the receipt's QR code.
    let verificationUrl: String
}

