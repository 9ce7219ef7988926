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
/// - `GET /xac-thuc/{token}/ban-giay.pdf`: the printable copy with its QR code (Đ.21).
/// All say valid, revoked (since when) or unknown, and check the signature server-side; a forged
/// or truncated token is simply unknown.
///
/// Officers (signed tokens, audited):
/// - `POST /v1/results/{resultCode}/revocation` `{reason}`: the issuing organisation revokes (Đ.18).
/// - `GET  /v1/results/held`: results waiting for their organisation's key, per organisation (an
///   organisation's own; all for auditors).
/// - `GET  /v1/members/{memberId}/results`: the member's data store (Đ.19), for the organisation the
///   member belongs to now (it follows official transfers) and auditors.
/// - `POST /v1/results/digitised` (`DigitisedResultRequest`): an officer digitises a paper result for
///   their organisation (Đ.20); `GET /v1/results/{resultCode}/scan`: its scan, for the organisation
///   that made the copy, the member's organisation now, and auditors.
struct ResultRoutes: Sendable {
    let issuer: ResultIssuer
    /// Scans of digitised results are sealed with it.
    let envelope: DocumentEnvelope
    var digitiser: PaperResultDigitiser { PaperResultDigitiser(issuer: issuer, envelope: envelope) }
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
        router.get("/xac-thuc/:token/ban-giay.pdf") { _, context in
            let token = context.parameters.get("token") ?? ""
            let (found, document) = try await resources.transaction { try paperCopy(token, context: $0) }
            guard let document else {
                // Revoked, unverifiable or unknown: no paper copy, the page says why.
                return Response(status: found.status == .unknown ? .notFound : .gone, headers: [.contentType: "text/html; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: VerificationPage.html(found))))
            }
            // Drawn outside the transaction: no database connection waits on the rendering.
            let pdf = try ResultPaperCopy.pdf(document, verificationURL: issuer.verificationURL(token), signer: found.signer,
                                              catalog: issuer.catalog)
            return Response(status: .ok, headers: [.contentType: "application/pdf",
                                                   .contentDisposition: "inline; filename=\"ban-giay.pdf\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        }
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.get("/v1/results/held") { request, _ in
            try await officers.serve(request) { try heldResults($0) }
        }
        router.get("/v1/members/:member/results") { request, context in
            let member = context.parameters.get("member") ?? ""
            return try await officers.serve(request) { try memberResults(member, $0) }
        }
        router.post("/v1/results/digitised") { request, _ in
            // A scan of up to 10 MiB, in base64.
            try await officers.serve(request, body: DigitisedResultRequest.self, expected: "DigitisedResultRequest",
                                     maximumBytes: 15 * 1024 * 1024) { try digitise($1, $0) }
        }
        router.get("/v1/results/:code/scan") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request) { try scan(code, $0) }
        }
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
        var holderName: String?
        /// The signature checked now, against the trusted roots and the issuing organisation.
        var signatureValid: Bool?
        var signer: String?
        /// True for an electronic copy converted from a paper original (Đ.20.3c).
        var convertedFromPaper: Bool?

        static let unknown = Verification(status: .unknown)
    }

    func verification(_ token: String, db: PostgresConnection) throws -> Verification {
        guard UnguessableToken.isWellFormed(token), let row = try db.execute("""
            SELECT status, result_code, store_code, document_type_code, decision, issuing_organisation_code, holder_name, origin,
                   document, signature, \(rfc3339SQL("issued_at")) AS issued_at,
                   \(rfc3339SQL("revoked_at")) AS revoked_at
            FROM results WHERE verification_token = $1
            """, [token]).first else { return .unknown }
        let organisation = try row.string("issuing_organisation_code")
        var found = Verification(
            status: try row.string("status") == ResultIssuer.Status.revoked.rawValue ? .revoked : .valid,
            issuingSystem: ResultDocument.issuingSystem, issuingOrganisationCode: organisation,
            // Public: the holder's citizen id masked, the name too; the revocation's reason stays with the officers.
            resultCode: ResultCodes.publicCode(try row.optionalString("result_code")), storeCode: try row.optionalString("store_code"),
            documentTypeCode: try row.string("document_type_code"), decision: try row.string("decision"),
            issuedAt: try row.optionalString("issued_at").flatMap(WireJSON.parseTimestamp),
            revokedAt: try row.optionalString("revoked_at").flatMap(WireJSON.parseTimestamp),
            holderName: ResultCodes.masked(try row.optionalString("holder_name")),
            convertedFromPaper: try row.string("origin") == "digitised" ? true : nil)
        if let verifier, let signature = try? row.bytes("signature"), let document = try? row.bytes("document") {
            let checked = try? verifier.verify(signature: signature, content: document, fallbackTime: found.issuedAt ?? Date())
            found.signatureValid = checked?.subjectSerialNumber == "TCD:\(organisation)"
            found.signer = checked?.subject
        } else {
            found.signatureValid = false
        }
        return found
    }

    /// Results that cannot be issued yet because their organisation has no usable key.
    func heldResults(_ call: OfficerCall) throws -> HTTPAnswer {
        let auditor = call.officer.role == "auditor"
        try call.audit("read-held-results", allowed: true, detail: auditor ? "all" : call.officer.org)
        return try HTTPAnswer.json(.ok, ["held": try ResultIssuer.held(call.context.db, organisation: auditor ? nil : call.officer.org)])
    }

    /// One result of a member's data store.
    struct StoredResult: Encodable, Sendable {
        let storeCode: String
        let resultCode: String
        let dossierCode: String
        let documentTypeCode: String
        let decision: String
        let status: String
        let issuingOrganisationCode: String?
        let issuedAt: Date?
        let revokedAt: Date?
        let verificationURL: String?
    }

    struct DataStore: Encodable, Sendable {
        let memberId: String
        /// The organisation managing the member's store now.
        let organisationCode: String?
        let results: [StoredResult]
    }

    /// Đ.19: a member's results, newest first, for the member's organisation now and auditors.
    func memberResults(_ member: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let organisation = try MemberOrganisationHandler.organisation(of: member, db: context.db)
        let allowed = call.officer.role == "auditor" || (organisation != nil && organisation == call.officer.org)
        try call.audit("read-member-results", memberId: member, allowed: allowed, detail: member)
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ tổ chức đảng đang quản lý đảng viên mới xem được kho dữ liệu của đảng viên.")
        }
        let results = try context.db.execute("""
            SELECT store_code, result_code, dossier_code, document_type_code, decision, status, issuing_organisation_code,
                   verification_token, \(rfc3339SQL("issued_at")) AS issued_at, \(rfc3339SQL("revoked_at")) AS revoked_at
            FROM results WHERE member_id = $1 AND status <> $2 AND store_code IS NOT NULL ORDER BY issued_at DESC, store_code
            """, [member, ResultIssuer.Status.held.rawValue]).rows.map { row in
            StoredResult(storeCode: try row.string("store_code"), resultCode: try row.string("result_code"),
                         dossierCode: try row.string("dossier_code"), documentTypeCode: try row.string("document_type_code"),
                         decision: try row.string("decision"), status: try row.string("status"),
                         issuingOrganisationCode: try row.optionalString("issuing_organisation_code"),
                         issuedAt: try row.optionalString("issued_at").flatMap(WireJSON.parseTimestamp),
                         revokedAt: try row.optionalString("revoked_at").flatMap(WireJSON.parseTimestamp),
                         verificationURL: try row.optionalString("verification_token").map(issuer.verificationURL))
        }
        return try HTTPAnswer.json(.ok, DataStore(memberId: member, organisationCode: organisation, results: results))
    }

    /// The document of a valid result whose signature checks out, to print; nil (with what the page
    /// shows) otherwise.
    /// The whole result, for whoever holds its link (the QR code): each copy given is audited.
    func paperCopy(_ token: String, context: HandlerContext) throws -> (Verification, ResultDocument?) {
        let found = try verification(token, db: context.db)
        guard found.status == .valid, found.signatureValid == true,
              let row = try context.db.execute("SELECT document, dossier_code, member_id FROM results WHERE verification_token = $1",
                                               [token]).first
        else { return (found, nil) }
        context.audit(AuditEntry(at: context.now, actorKind: .public, actorId: "-", action: "read-result-paper-copy",
                                 dossierCode: try row.string("dossier_code"), memberId: try row.string("member_id"), allowed: true,
                                 detail: found.resultCode, origin: "http"))
        return (found, try WireJSON.decode(ResultDocument.self, from: try row.bytes("document")))
    }

    /// Đ.18: the issuing organisation's officer revokes; a second revocation gets the first's answer.
    func revoke(_ code: String, reason: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        guard let row = try context.db.execute("""
            SELECT dossier_code, member_id, status, issuing_organisation_code, revocation_reason, revoked_by, origin,
                   \(rfc3339SQL("revoked_at")) AS revoked_at
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
                revokedAt: try row.optionalString("revoked_at").flatMap(WireJSON.parseTimestamp) ?? context.now))
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
        // A digitised result was never announced (no dossier's timeline or notices hang on it).
        if try row.string("origin") == "electronic" { try context.emit(.resultRevoked, subject: dossierCode, data: revoked) }
        // Dossiers that gave a component by this result hear it again, revoked (Đ.18): one still
        // being checked or amended is judged by what stands now.
        for referencing in try context.db.execute("""
            SELECT r.dossier_code, h.member_id FROM dossier_result_references r JOIN dossier_holders h ON h.dossier_code = r.dossier_code
            WHERE r.result_code = $1 ORDER BY r.dossier_code
            """, [code]).rows {
            let dossier = try referencing.string("dossier_code")
            try context.emit(.resultReferencesChecked, subject: dossier, data: try DocumentReaders.check(
                [ResultReference(componentCode: "", resultCode: code)], of: try referencing.string("member_id"), dossier: dossier,
                at: context.now, db: context.db))
        }
        return try HTTPAnswer.json(.ok, revoked)
    }

    /// Đ.20: an officer (not an auditor) digitises a paper result for their own organisation.
    func digitise(_ request: DigitisedResultRequest, _ call: OfficerCall) throws -> HTTPAnswer {
        let allowed = call.officer.role == "officer"
        try call.audit("digitise-result", memberId: request.memberId, allowed: allowed, detail: "\(request.documentTypeCode) \(request.originalNumber) \(request.memberId)")
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ cán bộ của tổ chức đảng mới số hoá được kết quả.")
        }
        switch try digitiser.digitise(request, by: call.officer, context: call.context) {
        case .digitised(let answer): return try HTTPAnswer.json(.ok, answer)
        case .refused(let status, let code, let message): return try HTTPAnswer.error(status, code, message)
        }
    }

    /// A digitised result's scan: for the organisation that made the copy, the member's
    /// organisation now, and auditors.
    func scan(_ code: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let db = call.context.db
        guard let row = try db.execute("""
            SELECT dossier_code, member_id, issuing_organisation_code, scan, scan_media_type, scan_master_key_id, scan_wrapped_key FROM results
            WHERE result_code = $1 AND origin = 'digitised'
            """, [code]).first else {
            try call.audit("read-result-scan", allowed: false, detail: "unknown \(code)")
            return try HTTPAnswer.error(.notFound, "result-not-found", "Không tìm thấy kết quả số hoá \(WireText.quote(code)).")
        }
        let readers = [try row.optionalString("issuing_organisation_code"),
                       try MemberOrganisationHandler.organisation(of: try row.string("member_id"), db: db)]
        let allowed = call.officer.role == "auditor" || readers.contains(call.officer.org)
        try call.audit("read-result-scan", dossierCode: try row.string("dossier_code"), allowed: allowed, detail: code)
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ tổ chức đảng đã số hoá hoặc đang quản lý đảng viên mới xem được bản quét.")
        }
        let record = try row.string("dossier_code")
        let key = try envelope.unwrap(.init(masterKeyId: try row.string("scan_master_key_id"), bytes: try row.bytes("scan_wrapped_key")),
                                      for: record)
        return HTTPAnswer.file(try DocumentEnvelope.openChunk(try row.bytes("scan"), key: key, documentId: record, number: 0),
                               mediaType: try row.string("scan_media_type"))
    }
}
