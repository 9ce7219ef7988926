import Calendar
import Contracts
import Foundation
import HTTPTypes
import Persistence
import ServiceKit
import Signatures

/// Digitises an old paper result (số hoá kết quả, Đ.20): the scan (Đ.20.2a) and its content as
/// structured data (Đ.20.2b) become an electronic copy marked converted from paper (Đ.20.3c), coded
/// and numbered like any result and signed by the importing organisation's key (Đ.20.3b). The copy
/// joins the holder's data store and is verified and revoked like any result. The same paper
/// original imported again by the same organisation gets the first copy back.
struct PaperResultDigitiser: Sendable {
    let issuer: ResultIssuer
    /// Scans are sealed like documents (a data key per scan, `TTHC_DOCUMENT_KEYS`).
    let envelope: DocumentEnvelope
    /// A scan larger than the catalog's largest component is refused.
    static let maximumScanBytes = 10 * 1024 * 1024
    static let scanTypes = ["application/pdf", "image/jpeg", "image/png"]

    enum Outcome {
        case digitised(DigitisedResultV1)
        case refused(status: HTTPResponse.Status, code: String, message: String)
    }

    func digitise(_ request: DigitisedResultRequest, by officer: OfficerClaims, context: HandlerContext) throws -> Outcome {
        let organisation = officer.org
        if let problem = Self.problem(in: request, now: context.now, documentTypes: issuer.catalog.resultDocumentTypes) {
            return .refused(status: .unprocessableContent, code: problem.code, message: problem.message)
        }
        guard let scan = Data(base64Encoded: request.scanBase64).map(Array.init), !scan.isEmpty else {
            return .refused(status: .unprocessableContent, code: "invalid-scan", message: "Bản quét không đọc được (base64).")
        }
        guard scan.count <= Self.maximumScanBytes else {
            return .refused(status: .contentTooLarge, code: "scan-too-large", message: "Bản quét vượt quá 10 MiB.")
        }
        guard MediaSniffer.type(of: scan) == request.scanMediaType else {
            return .refused(status: .unprocessableContent, code: "scan-media-type-mismatch",
                            message: "Bản quét không phải \(request.scanMediaType) (chấp nhận PDF, JPEG, PNG).")
        }
        // Two imports of one original at once: the second waits for the first and finds its copy.
        try context.db.execute("SELECT pg_advisory_xact_lock(hashtext($1))",
                               ["digitise|\(organisation)|\(request.documentTypeCode)|\(request.originalNumber)"])
        if let earlier = try earlier(organisation: organisation, request: request, db: context.db) {
            // The same original again (same holder, same scan) is a repeat; anything else is a conflict.
            guard earlier.memberId == request.memberId, earlier.answer.scanSha256 == sha256Hex(scan) else {
                return .refused(status: .conflict, code: "original-already-digitised",
                                message: "Bản giấy số \(request.originalNumber) đã được số hoá với nội dung khác; thu hồi bản điện tử đó trước.")
            }
            return .digitised(earlier.answer)
        }
        guard try MemberOrganisationHandler.organisation(of: request.memberId, db: context.db) != nil else {
            return .refused(status: .unprocessableContent, code: "unknown-member",
                            message: "Không có đảng viên \(WireText.quote(request.memberId)) trong cơ sở dữ liệu đảng viên.")
        }
        guard let signer = (try? issuer.keys.signer(for: organisation)) ?? nil else {
            return .refused(status: .conflict, code: "organisation-key-missing",
                            message: "Tổ chức \(organisation) chưa có khóa ký số: chưa số hoá được kết quả.")
        }
        // The digitisation record stands where a dossier code would: `<organisation>-SH-<year>-<n>`.
        let record = try issuer.nextValue(of: organisation, for: "SH", context: context)
        let recordCode = "\(organisation)-SH-\(record.year)-\(record.number)"
        let documentNumber = try issuer.nextNumber(of: organisation, for: request.documentTypeCode, context: context)
        let issuedOn = VietnamTime.startOfDay(request.originalIssuedOn) ?? context.now
        let document = ResultDocument(
            resultCode: resultCode(holder: request.holderCitizenId, documentTypeCode: request.documentTypeCode, number: documentNumber),
            storeCode: ResultCodes.storeCode(dossierCode: recordCode, resultNumber: 1), dossierCode: recordCode, procedureCode: nil,
            documentTypeCode: request.documentTypeCode, documentNumber: documentNumber, decision: .approved, reason: nil,
            memberId: request.memberId, holderCitizenId: request.holderCitizenId, holderName: request.holderName,
            issuingOrganisationCode: organisation, decidedAt: issuedOn, issuedAt: context.now, resultData: request.content,
            convertedFromPaper: PaperOriginal(number: request.originalNumber, issuedOn: request.originalIssuedOn,
                                              issuer: request.originalIssuer, scanSha256: sha256Hex(scan),
                                              scanMediaType: request.scanMediaType))
        let bytes = try WireJSON.encode(document)
        let signature = try signer.sign(bytes)
        let token = UnguessableToken.make()
        var recorded = request
        recorded.scanBase64 = ""  // the scan is kept once, sealed, in `scan`
        let (scanKey, wrapped) = try envelope.newDataKey(for: recordCode)
        let sealedScan = try DocumentEnvelope.sealChunk(scan, key: scanKey, documentId: recordCode, number: 0)
        try context.db.execute("""
            INSERT INTO results (dossier_code, result_number, member_id, document_type_code, decision, content, sha256, issued_at,
                                 status, issuing_organisation_code, holder_name, origin, result_code, store_code, document,
                                 signature, verification_token, scan, scan_media_type, scan_master_key_id, scan_wrapped_key)
            VALUES ($1, 1, $2, $3, 'approved', $4::jsonb, $5, $6::timestamptz, $7, $8, $9, 'digitised', $10, $11, $12::bytea,
                    $13::bytea, $14, $15::bytea, $16, $17, $18::bytea)
            """, [recordCode, request.memberId, request.documentTypeCode, String(decoding: try WireJSON.encode(recorded), as: UTF8.self),
                  sha256Hex(bytes), context.now, ResultIssuer.Status.issued.rawValue, organisation, request.holderName,
                  document.resultCode, document.storeCode, ByteA(bytes), ByteA(signature), token, ByteA(sealedScan), request.scanMediaType,
                  wrapped.masterKeyId, ByteA(wrapped.bytes)])
        return .digitised(DigitisedResultV1(resultCode: document.resultCode, storeCode: document.storeCode,
                                            verificationURL: issuer.verificationURL(token), sha256: sha256Hex(bytes),
                                            scanSha256: sha256Hex(scan), issuedAt: context.now))
    }

    /// The live (not revoked) copy this organisation already made of this paper original, if any.
    func earlier(organisation: String, request: DigitisedResultRequest,
                 db: PostgresConnection) throws -> (memberId: String, answer: DigitisedResultV1)? {
        guard let row = try db.execute("""
            SELECT result_code, store_code, sha256, verification_token, document, member_id
            FROM results WHERE origin = 'digitised' AND status <> 'revoked' AND issuing_organisation_code = $1
                AND document_type_code = $2 AND content->>'originalNumber' = $3 AND content->>'originalIssuedOn' = $4
                AND content->>'originalIssuer' = $5
            """, [organisation, request.documentTypeCode, request.originalNumber, request.originalIssuedOn, request.originalIssuer])
            .first else { return nil }
        let document = try WireJSON.decode(ResultDocument.self, from: try row.bytes("document"))
        return (try row.string("member_id"), DigitisedResultV1(
            resultCode: try row.string("result_code"), storeCode: try row.string("store_code"),
            verificationURL: issuer.verificationURL(try row.string("verification_token")), sha256: try row.string("sha256"),
            scanSha256: document.convertedFromPaper?.scanSha256 ?? "", issuedAt: document.issuedAt))
    }

    /// What is wrong with the request's fields, in Vietnamese, the first problem only.
    static func problem(in request: DigitisedResultRequest, now: Date, documentTypes: Set<String>) -> (code: String, message: String)? {
        let required = [("memberId", request.memberId), ("holderName", request.holderName), ("originalNumber", request.originalNumber),
                        ("originalIssuer", request.originalIssuer)]
        if let missing = required.first(where: { $0.1.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            return ("required", "Thiếu \(missing.0).")
        }
        if request.holderCitizenId.count != 12 || !request.holderCitizenId.allSatisfy(\.isASCII) || !request.holderCitizenId.allSatisfy(\.isNumber) {
            return ("invalid-citizen-id", "Số định danh cá nhân phải gồm 12 chữ số.")
        }
        if !documentTypes.contains(request.documentTypeCode) {
            return ("unknown-document-type", "Loại giấy tờ \(WireText.quote(request.documentTypeCode)) không có trong danh mục kết quả.")
        }
        guard let issuedOn = VietnamTime.startOfDay(request.originalIssuedOn), issuedOn <= now,
              VietnamTime.dayString(issuedOn) == request.originalIssuedOn else {
            return ("invalid-date", "Ngày cấp bản giấy phải có dạng YYYY-MM-DD và không sau hôm nay.")
        }
        if !scanTypes.contains(request.scanMediaType) {
            return ("media-type-not-allowed", "Bản quét phải là PDF, JPEG hoặc PNG.")
        }
        return nil
    }
}
