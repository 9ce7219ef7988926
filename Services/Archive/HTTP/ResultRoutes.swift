import Contracts
import Foundation
import Hummingbird
import Persistence
import ServiceKit
import Signatures

/// Archive's edge.
///
/// Public, for anyone holding a result or its paper copy (Đ.21): the link in the QR code.
/// - `GET /xac-thuc/{token}`: a plain Vietnamese page, readable on a phone.
/// - `GET /v1/verify/{token}`: the same facts as JSON.
/// Both say valid, revoked (since when) or unknown, and check the signature server-side; a forged
/// or truncated token is simply unknown.
///
/// Officers (signed tokens, audited):
/// - `POST /v1/results/{resultCode}/revocation` `{reason}`: the issuing organisation revokes (Đ.18).
struct ResultRoutes: Sendable {
    let issuer: ResultIssuer
    let tokens: OfficerTokens
    /// The roots organisations' certificates chain to (`TTHC_SIGNATURE_TRUST_ANCHORS`).
    let verifier: DetachedSignatureVerifier?

    struct RevocationRequest: Decodable, Sendable {
        let reason: String
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.get("/v1/verify/:token") { _, context in
            let token = context.parameters.get("token") ?? ""
            let found = try await resources.transaction { try verification(token, db: $0.db) }
            return try HTTPAnswer.json(.ok, found).response
        }
        router.get("/xac-thuc/:token") { _, context in
            let token = context.parameters.get("token") ?? ""
            let found = try await resources.transaction { try verification(token, db: $0.db) }
            return Response(status: found.status == .unknown ? .notFound : .ok,
                            headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: VerificationPage.html(found))))
        }
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.post("/v1/results/:code/revocation") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request, body: RevocationRequest.self, expected: #"{"reason": "..."}"#) {
                try revoke(code, reason: $1.reason, $0)
            }
        }
    }

    /// What the verification page and endpoint show.
    struct Verification: Encodable, Sendable {
        enum Status: String, Encodable, Sendable { case valid, revoked, unknown }
        var status: Status
        var issuingSystem: String?
        var issuingOrganisationCode: String?
        var resultCode: String?
        var storeCode: String?
        var documentTypeCode: String?
        var decision: String?
        var issuedAt: Date?
        var revokedAt: Date?
        var revocationReason: String?
        var holderName: String?
        /// The signature checked now, against the trusted roots and the issuing organisation.
        var signatureValid: Bool?
        var signer: String?

        static let unknown = Verification(status: .unknown)
    }

    func verification(_ token: String, db: PostgresConnection) throws -> Verification {
        guard ResultCodes.isToken(token), let row = try db.execute("""
            SELECT status, result_code, store_code, document_type_code, decision, issuing_organisation_code, holder_name,
                   document, signature, extract(epoch FROM issued_at)::text AS issued_at,
                   extract(epoch FROM revoked_at)::text AS revoked_at, revocation_reason
            FROM results WHERE verification_token = $1
            """, [token]).first else { return .unknown }
        let organisation = try row.string("issuing_organisation_code")
        var found = Verification(
            status: try row.string("status") == ResultIssuer.Status.revoked.rawValue ? .revoked : .valid,
            issuingSystem: ResultDocument.issuingSystem, issuingOrganisationCode: organisation,
            resultCode: try row.optionalString("result_code"), storeCode: try row.optionalString("store_code"),
            documentTypeCode: try row.string("document_type_code"), decision: try row.string("decision"),
            issuedAt: try row.optionalString("issued_at").flatMap(Double.init).map(Date.init(timeIntervalSince1970:)),
            revokedAt: try row.optionalString("revoked_at").flatMap(Double.init).map(Date.init(timeIntervalSince1970:)),
            revocationReason: try row.optionalString("revocation_reason"),
            holderName: ResultCodes.masked(try row.optionalString("holder_name")))
        if let verifier, let signature = try? row.bytes("signature"), let document = try? row.bytes("document") {
            let checked = try? verifier.verify(signature: signature, content: document, fallbackTime: found.issuedAt ?? Date())
            found.signatureValid = checked?.subjectSerialNumber == "TCD:\(organisation)"
            found.signer = checked?.subject
        } else {
            found.signatureValid = false
        }
        return found
    }

    /// Đ.18: the issuing organisation's officer revokes; a second revocation gets the first's answer.
    func revoke(_ code: String, reason: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        guard let row = try context.db.execute("""
            SELECT dossier_code, member_id, status, issuing_organisation_code, revocation_reason, revoked_by,
                   extract(epoch FROM revoked_at)::text AS revoked_at
            FROM results WHERE result_code = $1 FOR UPDATE
            """, [code]).first else {
            try call.audit("revoke-result", allowed: false, detail: "unknown \(code)")
            return try HTTPAnswer.error(.notFound, "result-not-found", "Không tìm thấy kết quả \(WireText.quote(code)).")
        }
        let organisation = try row.optionalString("issuing_organisation_code")
        let allowed = organisation == call.officer.org && call.officer.role == "officer"
        let dossierCode = try row.string("dossier_code")
        try call.audit("revoke-result", dossierCode: dossierCode, allowed: allowed, detail: code)
        guard allowed, let organisation else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ tổ chức đảng đã cấp kết quả mới thu hồi được kết quả này.")
        }
        if try row.string("status") == ResultIssuer.Status.revoked.rawValue {
            return try HTTPAnswer.json(.ok, ResultRevokedV1(
                dossierCode: dossierCode, resultCode: code, memberId: try row.string("member_id"),
                reason: try row.optionalString("revocation_reason") ?? "", revokingOrganisationCode: organisation,
                revokedAt: try row.optionalString("revoked_at").flatMap(Double.init).map(Date.init(timeIntervalSince1970:)) ?? context.now))
        }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            return try HTTPAnswer.error(.unprocessableContent, "reason-required", "Thu hồi kết quả phải nêu lý do.")
        }
        try context.db.execute("""
            UPDATE results SET status = $2, revoked_at = $3::timestamptz, revocation_reason = $4, revoked_by = $5 WHERE result_code = $1
            """, [code, ResultIssuer.Status.revoked.rawValue, context.now, trimmed, call.officer.sub.value])
        let revoked = ResultRevokedV1(dossierCode: dossierCode, resultCode: code, memberId: try row.string("member_id"),
                                      reason: trimmed, revokingOrganisationCode: organisation, revokedAt: context.now)
        try context.emit(.resultRevoked, subject: dossierCode, data: revoked)
        return try HTTPAnswer.json(.ok, revoked)
    }
}
