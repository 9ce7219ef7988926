import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// What every integrator's command over HTTP brings (a dossier, a PAKN item, a follow-up): a JSON
/// body, an `Idempotency-Key`, a bearer token, and a body within the message limit — checked in
/// that order, the first one missing answered.
struct IntegratorCommandRequest {
    let key: String
    let token: String
    let body: ByteBuffer

    /// `duplicateOf`: what the key keeps from being sent twice ("nộp trùng hồ sơ"); `subject`:
    /// what is too large ("Hồ sơ").
    static func read(_ request: Request, maxBodyBytes: Int, duplicateOf: String, subject: String)
        async -> Result<IntegratorCommandRequest, HTTPErrorResponse> {
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map(String.init) ?? ""
        guard ["application/json", "application/cloudevents+json"].contains(contentType) else {
            return .failure(HTTPErrorResponse(HTTPError.response(.unsupportedMediaType, "unsupported-content-type",
                                                                  "Nội dung phải có định dạng application/json.")))
        }
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty, key.count <= 128 else {
            return .failure(HTTPErrorResponse(HTTPError.response(.badRequest, "idempotency-key-required",
                                                                  "Thiếu tiêu đề Idempotency-Key (tối đa 128 ký tự) để tránh \(duplicateOf).")))
        }
        guard let token = request.headers[.authorization].flatMap(bearerToken) else {
            return .failure(HTTPErrorResponse(HTTPError.response(.unauthorized, "unauthenticated",
                                                                  "Thiếu hoặc sai mã xác thực (Authorization: Bearer).")))
        }
        guard let body = try? await request.body.collect(upTo: maxBodyBytes) else {
            return .failure(HTTPErrorResponse(HTTPError.response(.contentTooLarge, "message-too-large",
                                                                  "\(subject) vượt quá kích thước cho phép (\(maxBodyBytes) byte).")))
        }
        return .success(IntegratorCommandRequest(key: key, token: token, body: body))
    }
}

/// An error answer carried through a `Result`.
struct HTTPErrorResponse: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}
