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
        return problems
    }
}
