import Contracts
import Foundation
import Signatures
import HTTPTypes
import Hummingbird
import Persistence
import ServiceKit

/// Intake's HTTP edge (OpenAPI: Services/Intake/HTTP/openapi.yaml):
/// `POST /v1/dossiers` submits like `dossier.submit.v1` over AMQP, `POST /v2/dossiers` like
/// `dossier.submit.v2` (components by reference to uploaded documents), idempotent by
/// `Idempotency-Key`; `GET /v1/dossiers/{code}` is the status desk (StatusDesk).
struct DossierRoutes: Sendable {
    let desk: SubmissionDesk
    let maxBodyBytes: Int

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.post("/v1/dossiers") { request, _ in
            try await submit(request, version: 1, resources: resources)
        }
        router.post("/v2/dossiers") { request, _ in
            try await submit(request, version: 2, resources: resources)
        }
        router.get("/v1/dossiers/:code") { request, context in
            try await StatusDesk(verificationURL: desk.verificationURL)
                .status(code: context.parameters.get("code") ?? "", request: request, resources: resources)
        }
    }


    // MARK: Submit

    func submit(_ request: Request, version: Int, resources: ServiceResources) async throws -> Response {
        let input: IntegratorCommandRequest
        switch await IntegratorCommandRequest.read(request, maxBodyBytes: maxBodyBytes, duplicateOf: "nộp trùng hồ sơ", subject: "Hồ sơ") {
        case .success(let read): input = read
        case .failure(let answer): return answer.response
        }
        let token = input.token
        var submit: DossierSubmitV1
        switch decodeSubmission(Array(buffer: input.body), version: version) {
        case .submission(let decoded): submit = decoded
        case .invalid(let problem): return problem
        }
        submit.clientSubmissionId = input.key
        let request = submit
        let outcome: SubmissionOutcome? = try await resources.transaction { context in
            guard let integrator = try Integrators.named(byToken: token, db: context.db) else { return nil }
            return try desk.receive([SubmissionRequest(integrator: integrator, submit: request, message: nil)], context: context).first
        }
        switch outcome {
        case nil:
            return Integrators.unauthenticated
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

    /// The body is either the submission itself or a whole `dossier.submit.v<version>` envelope; a
    /// v2 submission is taken as its declaration (document ids, no bytes).
    func decodeSubmission(_ bytes: [UInt8], version: Int) -> DecodedBody {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .invalid(HTTPError.response(.badRequest, "invalid-utf8", "Nội dung không phải văn bản UTF-8 hợp lệ."))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return .invalid(HTTPError.response(.badRequest, "malformed-json", "Nội dung không phải JSON hợp lệ."))
        }
        do {
            let envelope = object["specversion"] != nil
            if version == 2 {
                return .submission(envelope ? try WireJSON.decode(Envelope<DossierSubmitV2>.self, from: bytes).data.declared
                                            : try WireJSON.decode(DossierSubmitV2.self, from: bytes).declared)
            }
            return .submission(envelope ? try WireJSON.decode(Envelope<DossierSubmitV1>.self, from: bytes).data
                                        : try WireJSON.decode(DossierSubmitV1.self, from: bytes))
        } catch let error as DecodingError {
            return .invalid(HTTPError.response(.unprocessableContent, "schema-violation",
                                               "Hồ sơ không đúng cấu trúc: \(describeDecodingError(error))"))
        } catch {
            return .invalid(HTTPError.response(.badRequest, "malformed-json", "Nội dung không phải JSON hợp lệ."))
        }
    }
}
