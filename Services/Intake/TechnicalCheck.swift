import Contracts

/// The automatic technical check of Đ.14.1: every problem at once, each with a code, a JSON
/// path and a Vietnamese message. The full check against the catalog comes with issue 3.
enum TechnicalCheck {
    static func problems(in submit: DossierSubmitV1) -> [Problem] {
        var problems: [Problem] = []
        if !ProcedureCode.all.contains(submit.procedureCode) {
            problems.append(Problem(code: "unknown-procedure", path: "$.data.procedureCode",
                                    message: "Mã thủ tục \(submit.procedureCode) không có trong danh mục thủ tục hành chính."))
        }
        if submit.clientSubmissionId.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(Problem(code: "required", path: "$.data.clientSubmissionId",
                                    message: "Thiếu mã hồ sơ của hệ thống gửi (clientSubmissionId)."))
        }
        if submit.receivingOrganisationCode.range(of: "^[A-Z0-9.]{2,32}$", options: .regularExpression) == nil {
            problems.append(Problem(code: "invalid-organisation", path: "$.data.receivingOrganisationCode",
                                    message: "Mã tổ chức đảng tiếp nhận không hợp lệ."))
        }
        if submit.submitter.memberId.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(Problem(code: "required", path: "$.data.submitter.memberId",
                                    message: "Thiếu mã đảng viên của người nộp hồ sơ."))
        }
        if submit.submitter.fullName.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(Problem(code: "required", path: "$.data.submitter.fullName",
                                    message: "Thiếu họ và tên của người nộp hồ sơ."))
        }
        for (i, attachment) in submit.attachments.enumerated() {
            if attachment.sha256.range(of: "^[0-9a-f]{64}$", options: .regularExpression) == nil {
                problems.append(Problem(code: "invalid-digest", path: "$.data.attachments[\(i)].sha256",
                                        message: "Mã băm SHA-256 của tệp đính kèm \(attachment.fileName) không hợp lệ."))
            }
            if attachment.sizeBytes <= 0 {
                problems.append(Problem(code: "invalid-size", path: "$.data.attachments[\(i)].sizeBytes",
                                        message: "Kích thước tệp đính kèm \(attachment.fileName) không hợp lệ."))
            }
        }
        problems += controlCharacters(in: submit)
        return problems
    }

    /// Text with control characters (other than line breaks and tabs in form fields) is refused:
    /// it corrupts printed copies and downstream systems.
    static func controlCharacters(in submit: DossierSubmitV1) -> [Problem] {
        func bad(_ text: String, allowLineBreaks: Bool) -> Bool {
            text.unicodeScalars.contains { scalar in
                if allowLineBreaks, scalar == "\n" || scalar == "\r" || scalar == "\t" { return false }
                return scalar.properties.generalCategory == .control
            }
        }
        var fields: [(String, String, Bool)] = [
            ("$.data.clientSubmissionId", submit.clientSubmissionId, false),
            ("$.data.submitter.memberId", submit.submitter.memberId, false),
            ("$.data.submitter.fullName", submit.submitter.fullName, false),
        ]
        for (name, value) in submit.form.sorted(by: { $0.key < $1.key }) {
            fields.append(("$.data.form.\(name)", value, true))
            fields.append(("$.data.form (tên trường)", name, false))
        }
        for (i, attachment) in submit.attachments.enumerated() {
            fields.append(("$.data.attachments[\(i)].fileName", attachment.fileName, false))
        }
        return fields.filter { bad($0.1, allowLineBreaks: $0.2) }.map {
            Problem(code: "control-character", path: $0.0, message: "Trường \($0.0) chứa ký tự điều khiển không hợp lệ.")
        }
    }
}
