import Calendar
import Contracts
import Foundation
import Signatures

/// The whole content of a dossier at one revision: what was received, merged with every
/// amendment (Đ.15). Stored encrypted, one row per revision.
public struct DossierContent: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var procedureCode: String
    public var receivingOrganisationCode: String
    public var submitter: Submitter
    public var form: [String: String]
    public var attachments: [AttachmentReference]
    public var officialReceiptAt: Date
    /// When it was submitted (the catalog version in force then judges it, Đ.29.3); absent in
    /// revisions stored before it was kept, which then use the official receipt time.
    public var submittedAt: Date?
    public var integrator: String
    /// Someone submitting for the member (Đ.11), with the proof of it.
    public var delegation: SubmissionDelegation?
    /// Components given by earlier results of the member's data store (Đ.13.2).
    public var resultReferences: [ResultReference]?

    public init(received: DossierReceivedV1) {
        delegation = received.delegation
        resultReferences = received.resultReferences
        dossierCode = received.dossierCode
        procedureCode = received.procedureCode
        receivingOrganisationCode = received.receivingOrganisationCode
        submitter = received.submitter
        form = received.form
        attachments = received.attachments
        officialReceiptAt = received.officialReceiptAt
        submittedAt = received.receivedAt
        integrator = received.integrator
    }

    /// This content amended: changed fields replace, new component versions replace the component
    /// with the same code (the previous version stays in the earlier revision).
    public func amended(by supplement: DossierSupplementReceivedV1) -> DossierContent {
        var next = self
        for (name, value) in supplement.form { next.form[name] = value }
        if let correction = supplement.submitter { next.submitter = correction.applied(to: submitter) }
        for attachment in supplement.attachments {
            next.attachments.removeAll { $0.componentCode == attachment.componentCode }
            next.resultReferences?.removeAll { $0.componentCode == attachment.componentCode }
            next.attachments.append(attachment)
        }
        return next
    }
}

/// What the content check decided.
public enum CheckOutcome: Sendable, Equatable {
    /// Everything checks: the form and submitter completed from the registry.
    case accepted(procedureVersion: Int, form: [String: String], submitter: Submitter, prefilled: [PrefilledField])
    /// Complete guidance once (Đ.14.3): every problem.
    case supplementRequested(procedureVersion: Int, problems: [Problem])
    /// Not eligible at all; no supplement can change it.
    case refused(code: String, reason: String)
    /// The registry replica does not know the member yet; checked again when it does.
    case awaitingRegistry
    /// Archive's facts about these referenced documents (or their signatures) have not arrived
    /// yet (`document.stored.v1`), or its answer on referenced results (`result.references-checked.v1`); checked again
    /// when they do.
    case awaitingDocuments([String])

    /// The dossier's status after this outcome.
    public var status: DossierCheckStatus {
        switch self {
        case .accepted: .accepted
        case .supplementRequested: .supplementRequested
        case .refused: .refused
        case .awaitingRegistry: .awaitingRegistry
        case .awaitingDocuments: .awaitingDocuments
        }
    }
}

/// A dossier's status in validation (`validation.dossiers.status`).
public enum DossierCheckStatus: String, Sendable, Codable {
    /// Checked and passed on to routing.
    case accepted
    /// Waiting for the submitter's supplement (validation's request, or an organisation on the route returned it).
    case supplementRequested = "supplement-requested"
    /// Not eligible: over.
    case refused
    /// The member is not in the registry replica yet.
    case awaitingRegistry = "awaiting-registry"
    /// Facts of a referenced document (or of its signature) have not arrived from archive yet.
    case awaitingDocuments = "awaiting-documents"
    /// Withdrawn by the submitter before a decision: over.
    case withdrawn
}

/// The content check of Đ.14.2 against the registry replica, the procedure version in force at the
/// official receipt time, and the signatures. Pure: the caller brings the member and the verifier.
public struct ContentCheck: Sendable {
    public let catalog: ProcedureCatalog
    public let calendars: OfficeCalendars
    /// nil when no trust anchors are configured: every signature is then reported unverifiable.
    public let verifier: DetachedSignatureVerifier?

    public init(catalog: ProcedureCatalog, calendars: OfficeCalendars, verifier: DetachedSignatureVerifier?) {
        self.catalog = catalog
        self.calendars = calendars
        self.verifier = verifier
    }

    /// When the receiving organisation must have answered (Đ.14.3): 8 working hours after the
    /// official receipt time of the dossier (or of its amendment, `received`), 1 working day for
    /// complex procedures. Counted in `calendar`, the receiving organisation's own hours when known.
    public func checkDeadline(for content: DossierContent, received: Date? = nil, in calendar: WorkingCalendar? = nil) throws -> Date {
        let calendar = calendar ?? calendars.calendar(for: content.receivingOrganisationCode)
        let start = try received.map { try calendar.officialReceiptTime(for: $0) } ?? content.officialReceiptAt
        let complex = catalog.procedure(content.procedureCode, at: content.submittedAt ?? content.officialReceiptAt)?.complex ?? false
        return complex ? try calendar.adding(workingDays: 1, to: start) : try calendar.adding(workingHours: 8, to: start)
    }

    /// `delegate`: the registry record of a member who submits for `member` (Đ.11), when known;
    /// `documents`: archive's facts of the documents the content references, by id; when
    /// `awaitingDocuments` is false (the check deadline), a reference without facts is a problem;
    /// `results`: what archive announced of the results the content references, by code.
    public func check(_ content: DossierContent, member: MemberRecord?, delegate: MemberRecord? = nil,
                      documents: [String: DocumentStoredV1] = [:], results: [String: ResultFacts] = [:],
                      awaitingDocuments: Bool = true) -> CheckOutcome {
        guard let procedure = catalog.procedure(content.procedureCode, at: content.submittedAt ?? content.officialReceiptAt) else {
            return .refused(code: "procedure-not-in-force",
                            reason: "Thủ tục \(content.procedureCode) không có hiệu lực tại thời điểm nộp hồ sơ.")
        }
        guard let member else { return .awaitingRegistry }
        guard member.standing == .active else {
            return .refused(code: "member-not-active",
                            reason: "Theo Cơ sở dữ liệu đảng viên, người nộp không còn sinh hoạt đảng nên không thể thực hiện thủ tục này.")
        }
        if let refusal = organisationRefusal(procedure, content: content, member: member) { return refusal }
        let awaited = awaitingDocuments
            ? awaitedDocuments(content, procedure: procedure, documents: documents) + awaitedResults(content, member: member, results: results) : []
        guard awaited.isEmpty else { return .awaitingDocuments(awaited) }
        var problems: [Problem] = []
        var prefilled: [PrefilledField] = []
        var submitter = content.submitter
        var form = content.form

        // Ask only once: what the registry knows is filled in when empty and must match otherwise.
        func reconcile(_ path: String, _ label: String, given: String?, known: String, fill: (String) -> Void) {
            let value = given?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if value.isEmpty {
                fill(known)
                prefilled.append(PrefilledField(path: path, value: known))
            } else if normalised(value) != normalised(known) {
                problems.append(Problem(code: "registry-mismatch", path: path,
                                        message: "\(label) không khớp với Cơ sở dữ liệu đảng viên; hãy sửa lại cho đúng hoặc để trống để hệ thống tự điền."))
            }
        }
        reconcile("$.data.submitter.fullName", "Họ và tên người nộp", given: submitter.fullName, known: member.fullName) { submitter.fullName = $0 }
        reconcile("$.data.submitter.citizenId", "Số định danh cá nhân", given: submitter.citizenId, known: member.citizenId) { submitter.citizenId = $0 }
        reconcile("$.data.submitter.partyCardNumber", "Số thẻ đảng viên", given: submitter.partyCardNumber,
                  known: member.partyCardNumber) { submitter.partyCardNumber = $0 }
        for field in procedure.form.fields {
            guard let attribute = field.registry, let known = Self.registryValue(attribute, of: member) else { continue }
            reconcile("$.data.form.\(field.name)", field.label, given: form[field.name], known: known) { form[field.name] = $0 }
        }
        Self.fillDuesBasis(procedure, member: member, form: &form, prefilled: &prefilled)
        let formProblems = procedure.form.problems(in: form, formVersion: nil, registryFillsEmpty: false)
        problems += formProblems
        if let dues = procedure.dues, formProblems.isEmpty {
            // Amended declarations are judged again (intake judged the first one).
            let components = Set(content.attachments.map(\.componentCode) + (content.resultReferences ?? []).map(\.componentCode))
            problems += DuesDeclaration.problems(form: form, rules: dues, components: components)
        }
        problems += componentProblems(content, procedure: procedure, member: member, form: form, documents: documents)
        problems += resultReferenceProblems(content, procedure: procedure, member: member, results: results)
        if let delegation = content.delegation {
            problems += delegationProblems(delegation, content: content, member: member, delegate: delegate, documents: documents)
        }
        if let refusal = refusal(procedure, form: form) { return refusal }
        problems += timeLimitProblems(procedure, content: content, form: form)
        if problems.isEmpty {
            return .accepted(procedureVersion: procedure.version, form: form, submitter: submitter, prefilled: prefilled)
        }
        return .supplementRequested(procedureVersion: procedure.version, problems: problems)
    }

    static func registryValue(_ attribute: String, of member: MemberRecord) -> String? {
        switch attribute {
        case "fullName": member.fullName
        case "dateOfBirth": member.dateOfBirth
        case "partyCardNumber": member.partyCardNumber
        case "citizenId": member.citizenId
        case "organisationCode": member.organisationCode
        case "recordNumber": member.recordNumber
        case "registerNumber": member.registerNumber
        default: nil
        }
    }

    /// Names compare in Unicode normal form, ignoring case and repeated spaces.
    func normalised(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    // MARK: Components and signatures (Đ.14.2)

    func componentProblems(_ content: DossierContent, procedure: ProcedureVersion, member: MemberRecord,
                           form: [String: String], documents: [String: DocumentStoredV1]) -> [Problem] {
        var problems: [Problem] = []
        let present = Set(content.attachments.map(\.componentCode) + (content.resultReferences ?? []).map(\.componentCode))
        for component in procedure.components where component.required && !present.contains(component.code) {
            problems.append(Problem(code: "missing-component", path: "$.data.attachments",
                                    message: "Thiếu thành phần hồ sơ: \(component.name) (\(component.code))."))
        }
        for (i, attachment) in content.attachments.enumerated() {
            let path = "$.data.attachments[\(i)]"
            guard let component = procedure.components.first(where: { $0.code == attachment.componentCode }) else {
                problems.append(Problem(code: "unknown-component", path: "\(path).componentCode",
                                        message: "Thủ tục \(procedure.name) không có thành phần hồ sơ mã \(attachment.componentCode)."))
                continue
            }
            problems += documentProblems(attachment, name: component.name, path: path, signed: component.signatureRequired,
                                         at: content.officialReceiptAt, content: content, documents: documents) {
                signerProblem($0, component: component, member: member, form: form)
            }
        }
        return problems
    }

    /// A document's bytes against its declared size and digest, then, when it must be signed, its
    /// detached signature verified and its signer judged by `signer`.
    func documentProblems(_ attachment: AttachmentReference, name: String, path: String, signed: Bool, at time: Date,
                          content: DossierContent, documents: [String: DocumentStoredV1],
                          signer: (VerifiedSignature) -> (code: String, message: String)?) -> [Problem] {
        if attachment.documentId != nil {
            return referencedDocumentProblems(attachment, name: name, path: path, signed: signed, content: content,
                                              documents: documents, signer: signer)
        }
        var bytes: [UInt8]?
        if let encoded = attachment.contentBase64 {
            guard let decoded = Data(base64Encoded: encoded).map(Array.init), decoded.count == attachment.sizeBytes,
                  sha256Hex(decoded) == attachment.sha256 else {
                return [Problem(code: "content-digest-mismatch", path: "\(path).contentBase64",
                                message: "Nội dung tệp \(attachment.fileName) không khớp với kích thước hoặc mã băm SHA-256 đã khai; hãy tải lại tệp.")]
            }
            bytes = decoded
        }
        guard signed else { return [] }
        guard let bytes, let encodedSignature = attachment.signature?.contentBase64,
              let signature = Data(base64Encoded: encodedSignature).map(Array.init) else {
            return [Problem(code: "signed-content-missing", path: "\(path).signature",
                            message: "\(name) phải kèm nội dung tệp và tệp chữ ký số để kiểm tra chữ ký.")]
        }
        guard let verifier else {
            return [Problem(code: SignatureProblem.untrustedCertificate.code, path: "\(path).signature",
                            message: SignatureProblem.untrustedCertificate.description)]
        }
        do {
            let verified = try verifier.verify(signature: signature, content: bytes, fallbackTime: time)
            return signer(verified).map { [Problem(code: $0.code, path: "\(path).signature", message: $0.message)] } ?? []
        } catch let problem as SignatureProblem {
            return [Problem(code: problem.code, path: "\(path).signature", message: "\(name): \(problem.description)")]
        } catch {
            return [Problem(code: SignatureProblem.malformed.code, path: "\(path).signature",
                            message: "\(name): \(SignatureProblem.malformed.description)")]
        }
    }

    // MARK: Delegation (Đ.11)

    /// The delegation holds at the receipt time; a delegate member is an active member of the
    /// registry; a written delegation's letter is signed by the member who delegates.
    func delegationProblems(_ delegation: SubmissionDelegation, content: DossierContent, member: MemberRecord,
                            delegate: MemberRecord?, documents: [String: DocumentStoredV1]) -> [Problem] {
        var problems: [Problem] = []
        if let until = delegation.validUntil, until < content.officialReceiptAt {
            problems.append(Problem(code: "delegation-expired", path: "$.data.delegation.validUntil",
                                    message: "Ủy quyền đã hết hạn trước thời điểm tiếp nhận hồ sơ; cần giấy ủy quyền còn hiệu lực."))
        }
        if delegation.delegateKind == .member, delegate?.standing != .active {
            problems.append(Problem(code: "delegate-not-member", path: "$.data.delegation.delegateId",
                                    message: "Người được ủy quyền (mã \(delegation.delegateId)) không có trong Cơ sở dữ liệu đảng viên hoặc không còn sinh hoạt đảng."))
        }
        if delegation.form == .writtenDocument, let letter = delegation.document, let id = letter.documentId,
           let facts = documents[id], facts.componentCode != DelegationLetter.componentCode {
            problems.append(Problem(code: "delegation-letter-component", path: "$.data.delegation.document.documentId",
                                    message: "Giấy ủy quyền phải là tài liệu đã tải lên là thành phần \(DelegationLetter.componentCode) (giấy ủy quyền)."))
        } else if delegation.form == .writtenDocument, let letter = delegation.document {
            problems += documentProblems(letter, name: DelegationLetter.name, path: "$.data.delegation.document", signed: true,
                                         at: content.officialReceiptAt, content: content, documents: documents) { verified in
                Self.signed(verified, by: member) ? nil
                    : ("signer-not-member", "Giấy ủy quyền phải do chính đảng viên \(member.fullName) ký số.")
            }
        }
        return problems
    }

    /// The signer must be who should sign: the member (citizen id in the certificate's
    /// serialNumber, optionally `CCCD:`-prefixed) or the organisation (`TCD:<code>`).
    func signerProblem(_ signed: VerifiedSignature, component: ProcedureVersion.Component, member: MemberRecord,
                       form: [String: String]) -> (code: String, message: String)? {
        let serial = signed.subjectSerialNumber ?? ""
        if component.signedBy == "organisation" {
            let organisation = form["toChucDeNghi"] ?? ""
            return serial == "TCD:\(organisation)" ? nil
                : ("signer-not-organisation", "\(component.name) phải do cấp ủy \(organisation) ký số bằng chứng thư số của tổ chức.")
        }
        return Self.signed(signed, by: member) ? nil
            : ("signer-not-member", "\(component.name) phải do chính đảng viên \(member.fullName) ký số; chữ ký hiện có là của người khác.")
    }

    /// The member's own certificate: their citizen id as its serialNumber, optionally `CCCD:`-prefixed.
    static func signed(_ signature: VerifiedSignature, by member: MemberRecord) -> Bool {
        let serial = signature.subjectSerialNumber ?? ""
        return (serial.hasPrefix("CCCD:") ? String(serial.dropFirst(5)) : serial) == member.citizenId
    }

    // MARK: Rules of the procedures (numbers from the catalog, DOMAIN §12)

    /// A temporary transfer outside the allowed period is refused.
    func refusal(_ procedure: ProcedureVersion, form: [String: String]) -> CheckOutcome? {
        guard let periods = procedure.temporaryPeriod, let months = form["thoiHanThang"].flatMap({ Int($0) }) else { return nil }
        let study = form["mucDich"] == "hoc-tap"
        let range = study ? periods.study : periods.work
        guard months < range.minMonths || months > range.maxMonths else { return nil }
        return .refused(code: "temporary-period-not-allowed",
                        reason: "Thời hạn sinh hoạt đảng tạm thời \(months) tháng không thuộc khoảng được phép (\(range.minMonths) đến \(range.maxMonths) tháng \(study ? "khi đi học tập trung" : "khi làm việc, cư trú nơi khác")).")
    }

    /// A dossier the member's cell must receive, sent to another organisation (the member's old cell
    /// after a transfer), is answered with the member's current cell, never routed from an
    /// organisation that no longer has the member; a transfer to the cell the member is in is refused.
    func organisationRefusal(_ procedure: ProcedureVersion, content: DossierContent, member: MemberRecord) -> CheckOutcome? {
        if procedure.receivingOrganisation == "member-chi-bo", content.receivingOrganisationCode != member.organisationCode {
            return .refused(code: "not-member-organisation",
                            reason: "Theo Cơ sở dữ liệu đảng viên, đảng viên hiện sinh hoạt tại chi bộ \(member.organisationCode), không thuộc tổ chức nhận hồ sơ \(content.receivingOrganisationCode). Đề nghị nộp hồ sơ tại chi bộ \(member.organisationCode).")
        }
        if let destination = content.form["chiBoNoiDen"], destination == member.organisationCode {
            return .refused(code: "transfer-to-own-cell",
                            reason: "Chi bộ nơi đến (\(destination)) là chi bộ đảng viên đang sinh hoạt; không thể chuyển sinh hoạt đảng đến chính chi bộ này.")
        }
        return nil
    }

    /// An official transfer submitted after the allowed working days from the decision needs the reason.
    func timeLimitProblems(_ procedure: ProcedureVersion, content: DossierContent, form: [String: String]) -> [Problem] {
        guard let days = procedure.submitWithinWorkingDaysOfDecision,
              let decided = form["ngayQuyetDinh"].flatMap(VietnamTime.startOfDay),
              (form["lyDoNopMuon"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        let late: Bool
        if let limit = try? calendars.calendar(for: content.receivingOrganisationCode).adding(workingDays: days, to: decided) {
            late = content.officialReceiptAt > limit
        } else {
            // A decision before the calendar's first year: late only when certainly so (twice the
            // working days in calendar days is more than any run of holidays can stretch them).
            late = content.officialReceiptAt.timeIntervalSince(decided) > Double(days * 2) * 86_400
        }
        guard late else { return [] }
        return [Problem(code: "late-explanation-required", path: "$.data.form.lyDoNopMuon",
                        message: "Hồ sơ nộp quá \(days) ngày làm việc kể từ ngày quyết định; hãy ghi rõ lý do nộp muộn.")]
    }
}
