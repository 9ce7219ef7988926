import Foundation

/// The automatic technical check of Đ.14.1 against the procedure's catalog entry: components
/// present, each attachment declared with an allowed media type, size and SHA-256 digest within
/// limits, signatures present where required, the current form version and its required fields.
/// Every problem is reported at once, each with a code, a JSON path and a Vietnamese message.
/// Shared by intake and the integrators' contract kit (`tthc-admin contracts check`).
public enum TechnicalCheck {
    /// A client submission id (the HTTP `Idempotency-Key`) already used for a different submission.
    public static let keyReused = Problem(
        code: "idempotency-key-reused", path: "$.data.clientSubmissionId",
        message: "Mã hồ sơ của hệ thống gửi (clientSubmissionId / Idempotency-Key) đã được dùng cho một hồ sơ có nội dung khác; hồ sơ mới phải có mã mới.")

    /// `textProblems`: the submission's WireText problems, found first (see SubmissionDesk.receive).
    public static func problems(in submit: DossierSubmitV1, procedure: ProcedureVersion?, textProblems: [Problem] = []) -> [Problem] {
        var problems: [Problem] = textProblems
        func add(_ code: String, _ path: String, _ message: String) {
            problems.append(Problem(code: code, path: path, message: message))
        }
        if procedure == nil {
            add("unknown-procedure", "$.data.procedureCode",
                "Mã thủ tục \(WireText.quote(submit.procedureCode)) không có trong danh mục thủ tục hành chính đang có hiệu lực.")
        }
        if submit.clientSubmissionId.trimmingCharacters(in: .whitespaces).isEmpty, textProblems.isEmpty {
            add("required", "$.data.clientSubmissionId", "Thiếu mã hồ sơ của hệ thống gửi (clientSubmissionId).")
        }
        if submit.receivingOrganisationCode.range(of: "^[A-Z0-9.]{2,32}$", options: .regularExpression) == nil {
            add("invalid-organisation", "$.data.receivingOrganisationCode", "Mã tổ chức đảng tiếp nhận không hợp lệ.")
        }
        if submit.submitter.memberId.trimmingCharacters(in: .whitespaces).isEmpty {
            add("required", "$.data.submitter.memberId", "Thiếu mã đảng viên của người nộp hồ sơ.")
        }
        if let citizenId = submit.submitter.citizenId, !isCitizenId(citizenId) {
            add("invalid-citizen-id", "$.data.submitter.citizenId", "Số định danh cá nhân phải gồm đúng 12 chữ số.")
        }
        if submit.submitter.fullName.trimmingCharacters(in: .whitespaces).isEmpty {
            add("required", "$.data.submitter.fullName", "Thiếu họ và tên của người nộp hồ sơ.")
        }
        if let procedure {
            let formProblems = procedure.form.problems(in: submit.form, formVersion: submit.formVersion, registryFillsEmpty: true)
            problems += formProblems
            // The dues declaration's numbers against the rules (a well-formed form only, so each
            // problem is told once).
            if let dues = procedure.dues, formProblems.isEmpty {
                let components = Set(submit.attachments.map(\.componentCode) + (submit.resultReferences ?? []).map(\.componentCode))
                problems += DuesDeclaration.problems(form: submit.form, rules: dues, components: components, registryFillsBasis: true)
            }
        }
        problems += attachmentProblems(submit.attachments, procedure: procedure)
        problems += resultReferenceProblems(submit.resultReferences ?? [], attachments: submit.attachments, procedure: procedure)
        if let procedure {
            let present = Set(submit.attachments.map(\.componentCode) + (submit.resultReferences ?? []).map(\.componentCode))
            for component in procedure.components where component.required && !present.contains(component.code) {
                add("missing-component", "$.data.attachments", "Thiếu thành phần hồ sơ: \(component.name) (\(component.code)).")
            }
        }
        if let delegation = submit.delegation {
            problems += delegationProblems(delegation, submitter: submit.submitter)
        }
        return problems
    }

    /// A delegation (Đ.11) names its delegate and carries its proof: the letter signed by the
    /// member (written) or the portal's authorisation record (account).
    public static func delegationProblems(_ delegation: SubmissionDelegation, submitter: Submitter) -> [Problem] {
        var problems: [Problem] = []
        func add(_ code: String, _ path: String, _ message: String) {
            problems.append(Problem(code: code, path: "$.data.delegation\(path)", message: message))
        }
        if delegation.delegateId.trimmingCharacters(in: .whitespaces).isEmpty {
            add("required", ".delegateId", "Thiếu mã đảng viên hoặc mã tổ chức đảng của người được ủy quyền.")
        } else if delegation.delegateKind == .member, delegation.delegateId == submitter.memberId {
            add("self-delegation", ".delegateId", "Người được ủy quyền phải là người khác, không phải chính đảng viên nộp hồ sơ.")
        }
        if delegation.delegateName.trimmingCharacters(in: .whitespaces).isEmpty {
            add("required", ".delegateName", "Thiếu họ tên (hoặc tên tổ chức) của người được ủy quyền.")
        }
        switch delegation.form {
        case .writtenDocument:
            guard let document = delegation.document else {
                add("delegation-document-missing", ".document", "Ủy quyền bằng văn bản phải kèm giấy ủy quyền có chữ ký số của đảng viên.")
                break
            }
            if document.documentId != nil {
                problems += referenceProblems(document, path: "$.data.delegation.document")
                if document.componentCode != DelegationLetter.componentCode {
                    add("delegation-letter-component", ".document.componentCode",
                        "Giấy ủy quyền phải được tải lên là thành phần \(DelegationLetter.componentCode) (giấy ủy quyền), không phải tài liệu khác.")
                }
            } else if document.signature == nil || document.contentBase64 == nil {
                add("signature-missing", ".document.signature",
                    "Giấy ủy quyền phải kèm nội dung tệp và chữ ký số của đảng viên ủy quyền.")
            }
            if document.sha256.range(of: "^[0-9a-f]{64}$", options: .regularExpression) == nil {
                add("invalid-digest", ".document.sha256", "Mã băm SHA-256 của giấy ủy quyền không hợp lệ.")
            }
        case .accountAuthorisation:
            if (delegation.authorisationReference ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                add("required", ".authorisationReference",
                    "Ủy quyền qua tài khoản điện tử phải có mã xác thực ủy quyền của tài khoản người ủy quyền.")
            }
        }
        return problems
    }

    /// Each attachment declared with a known component, an allowed media type, a size within the
    /// limit, a SHA-256 digest, and a signature where the component must be signed.
    public static func attachmentProblems(_ attachments: [AttachmentReference], procedure: ProcedureVersion?) -> [Problem] {
        var problems: [Problem] = []
        func add(_ code: String, _ path: String, _ message: String) {
            problems.append(Problem(code: code, path: path, message: message))
        }
        for (i, attachment) in attachments.enumerated() {
            let path = "$.data.attachments[\(i)]"
            if attachment.sha256.range(of: "^[0-9a-f]{64}$", options: .regularExpression) == nil {
                add("invalid-digest", "\(path).sha256", "Mã băm SHA-256 của tệp \(WireText.quote(attachment.fileName)) không hợp lệ.")
            }
            if attachment.sizeBytes <= 0 {
                add("invalid-size", "\(path).sizeBytes", "Kích thước tệp \(WireText.quote(attachment.fileName)) không hợp lệ.")
            }
            problems += referenceProblems(attachment, path: path)
            if let signature = attachment.signature,
               signature.sha256.range(of: "^[0-9a-f]{64}$", options: .regularExpression) == nil
                || signature.mediaType != "application/pkcs7-signature" || signature.sizeBytes <= 0 {
                add("invalid-signature-reference", "\(path).signature",
                    "Tệp chữ ký số của \(WireText.quote(attachment.fileName)) phải là application/pkcs7-signature, có kích thước và mã băm SHA-256 hợp lệ.")
            }
            guard let procedure else { continue }
            guard let component = procedure.components.first(where: { $0.code == attachment.componentCode }) else {
                add("unknown-component", "\(path).componentCode",
                    "Thủ tục \(procedure.name) không có thành phần hồ sơ mã \(WireText.quote(attachment.componentCode)).")
                continue
            }
            if !component.mediaTypes.contains(attachment.mediaType) {
                add("media-type-not-allowed", "\(path).mediaType",
                    "\(component.name) phải ở định dạng \(component.mediaTypes.joined(separator: ", ")).")
            }
            if attachment.sizeBytes > component.maxSizeBytes {
                add("too-large", "\(path).sizeBytes",
                    "\(component.name) vượt quá dung lượng cho phép (\(component.maxSizeBytes / (1024 * 1024)) MB).")
            }
            // A referenced document's signature was uploaded to archive beside it.
            if component.signatureRequired, attachment.signature == nil, attachment.documentId == nil {
                add("signature-missing", "\(path).signature", "\(component.name) phải được ký số.")
            }
        }
        return problems
    }

    /// A document referenced by id (`dossier.submit.v2`) is archive's: no bytes travel with it.
    static func referenceProblems(_ attachment: AttachmentReference, path: String) -> [Problem] {
        guard let id = attachment.documentId else { return [] }
        var problems: [Problem] = []
        // One spelling everywhere (the ticket's, lower case), so ids compare as text.
        if UUID(uuidString: id) == nil || id != id.lowercased() {
            problems.append(Problem(code: "invalid-document-id", path: "\(path).documentId",
                                    message: "Mã tài liệu \(WireText.quote(id)) không hợp lệ: dùng documentId của phiếu tải lên."))
        }
        if attachment.contentBase64 != nil || attachment.signature != nil {
            problems.append(Problem(code: "document-bytes-with-reference", path: path,
                                    message: "Tài liệu đã tải lên được tham chiếu bằng documentId; không gửi kèm nội dung hoặc chữ ký."))
        }
        return problems
    }

    public static func isCitizenId(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { (48...57).contains($0) }
    }

    /// A correction of the submitter's data (Đ.15): an empty text asks the registry to fill it.
    public static func correctionProblems(_ correction: SubmitterCorrection?) -> [Problem] {
        guard let citizenId = correction?.citizenId, !citizenId.isEmpty, !isCitizenId(citizenId) else { return [] }
        return [Problem(code: "invalid-citizen-id", path: "$.data.submitter.citizenId",
                        message: "Số định danh cá nhân phải gồm đúng 12 chữ số (hoặc để trống để hệ thống tự điền).")]
    }
}
