import Foundation

/// A component of a dossier given by an earlier result (kết quả giải quyết) of the member's data
/// store (Kho quản lý dữ liệu điện tử), by its result code `KQ.<citizen id>.<type>.<number>`
/// (Đ.13.2, "ask only once"). Validation resolves it from archive's `result.issued.v1` /
/// `result.revoked.v1`: the result must be the submitter's own, approved, not revoked, and of a
/// type the catalog lets stand for the component (`acceptsResultTypes`).
public struct ResultReference: Codable, Sendable, Equatable {
    public var componentCode: String
    public var resultCode: String

    public init(componentCode: String, resultCode: String) {
        self.componentCode = componentCode
        self.resultCode = resultCode
    }

    /// `KQ.` then the holder, the type and the number (letters, digits, `.`, `:`, `/`, `-`; an
    /// organisation holder's code has dots itself, so the parts are not told apart here).
    public static let resultCodePattern = "^KQ\\.[A-Za-z0-9.:/-]{5,160}$"
}

extension TechnicalCheck {
    /// Each result reference names a component of the procedure that accepts results, once, and
    /// a well-formed result code. Whose result it is and whether it stands is validation's to judge.
    public static func resultReferenceProblems(_ references: [ResultReference], attachments: [AttachmentReference],
                                               procedure: ProcedureVersion?) -> [Problem] {
        var problems: [Problem] = []
        var seen = Set(attachments.map(\.componentCode))
        for (i, reference) in references.enumerated() {
            let path = "$.data.resultReferences[\(i)]"
            if reference.resultCode.range(of: ResultReference.resultCodePattern, options: .regularExpression) == nil {
                problems.append(Problem(code: "invalid-result-code", path: "\(path).resultCode",
                                        message: "Mã kết quả \(WireText.quote(reference.resultCode)) không hợp lệ: dùng mã KQ.… của kết quả trong kho dữ liệu."))
            }
            if !seen.insert(reference.componentCode).inserted {
                problems.append(Problem(code: "duplicate-component", path: "\(path).componentCode",
                                        message: "Thành phần hồ sơ \(WireText.quote(reference.componentCode)) đã được nộp; mỗi thành phần chỉ nộp một lần."))
            }
            guard let procedure else { continue }
            guard let component = procedure.components.first(where: { $0.code == reference.componentCode }) else {
                problems.append(Problem(code: "unknown-component", path: "\(path).componentCode",
                                        message: "Thủ tục \(procedure.name) không có thành phần hồ sơ mã \(WireText.quote(reference.componentCode))."))
                continue
            }
            if (component.acceptsResultTypes ?? []).isEmpty {
                problems.append(Problem(code: "result-not-accepted", path: "\(path).componentCode",
                                        message: "\(component.name) phải được tải lên; thành phần này không nhận kết quả trong kho dữ liệu thay thế."))
            }
        }
        return problems
    }
}

/// `result.references-checked.v1` (archive → validation): archive's answer to the result
/// references of a received dossier (Đ.13.2), sent only for dossiers that have some, so a dossier
/// without any costs nothing. For each code: whether it is a result issued to the dossier's own
/// member and, only then, its type, whether it is an approval's and whether it was revoked; of a
/// code that is not theirs nothing more is said.
public struct ResultReferencesCheckedV1: Codable, Sendable, Equatable {
    public struct Checked: Codable, Sendable, Equatable {
        public var resultCode: String
        public var found: Bool
        public var documentTypeCode: String?
        public var approved: Bool?
        public var revokedAt: Date?

        public init(resultCode: String, found: Bool, documentTypeCode: String? = nil, approved: Bool? = nil, revokedAt: Date? = nil) {
            self.resultCode = resultCode
            self.found = found
            self.documentTypeCode = documentTypeCode
            self.approved = approved
            self.revokedAt = revokedAt
        }
    }

    public var dossierCode: String
    public var results: [Checked]
    public var checkedAt: Date

    public init(dossierCode: String, results: [Checked], checkedAt: Date) {
        self.dossierCode = dossierCode
        self.results = results
        self.checkedAt = checkedAt
    }
}

extension MessageType {
    /// Archive: the result references of a received dossier, checked against the data store.
    public static let resultReferencesChecked = MessageType("result.references-checked", major: 1)
}
