import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import Signatures

/// A realistic `dossier.submit.v1` for procedure (1) official transfer, used by `tthc-admin
/// submit-sample`, the benchmark and the tests. The registry-backed form fields are left empty
/// (validation fills them: "ask only once"); the two components that must be signed carry their
/// bytes and a detached CMS signature by the member, made with the development signing authority.
public enum SampleDossier {
    /// The development signing authority: `TTHC_DEV_SIGNING_DIRECTORY`, else the one
    /// `Deploy/local/servers.sh` makes, so that a shell without the servers' environment still
    /// signs (unsigned components would only earn a supplement request).
    public static let signing: SigningAuthority? = try? SigningAuthority(directory: signingDirectory)

    /// `TTHC_DEV_SIGNING_DIRECTORY`, else `defaultSigningDirectory`.
    public static let signingDirectory: URL = {
        let configured = ProcessInfo.processInfo.environment["TTHC_DEV_SIGNING_DIRECTORY"] ?? ""
        return URL(fileURLWithPath: configured.isEmpty ? defaultSigningDirectory : configured)
    }()

    /// Where `Deploy/local/servers.sh` keeps the development signing CA and its members' keys.
    public static let defaultSigningDirectory = "/var/tmp/tthc-erlang/dev-signing"

    public static func submit(clientSubmissionId: String = UUID().uuidString.lowercased(), organisation: String? = nil,
                              member: MemberRecord = MemberFixture.member(number: 1),
                              decisionDate: Date = Date().addingTimeInterval(-5 * 86_400),
                              destination: String? = nil) -> DossierSubmitV1 {
        func document(_ code: String, _ fileName: String, _ title: String, signed: Bool) -> AttachmentReference {
            var (bytes, attachment) = pdf(code, fileName: fileName, title: title, member: member, clientSubmissionId: clientSubmissionId)
            if signed {
                attachment.signature = signature(over: bytes, by: member, fileName: fileName + ".p7s")
            }
            return attachment
        }
        return DossierSubmitV1(
            clientSubmissionId: clientSubmissionId, procedureCode: ProcedureCode.officialTransfer,
            receivingOrganisationCode: organisation ?? member.organisationCode,
            submitter: Submitter(memberId: member.memberId, fullName: member.fullName),
            formVersion: "2026.1",
            form: ["lyDo": "Chuyển công tác theo quyết định số 123/QĐ-UBND", "noiDen": "Đảng bộ phường Ba Đình",
                   "chiBoNoiDen": destination ?? nextCell(after: member.organisationCode),
                   "soQuyetDinh": "123/QĐ-UBND", "ngayQuyetDinh": VietnamTime.dayString(decisionDate)],
            attachments: [
                document("DDN", "don-de-nghi.pdf", "Đơn đề nghị chuyển sinh hoạt đảng", signed: true),
                document("BTKD", "ban-tu-kiem-diem.pdf", "Bản tự kiểm điểm", signed: true),
                document("QD", "quyet-dinh-chuyen-cong-tac.pdf", "Quyết định điều động", signed: false),
            ])
    }

    /// The next cell of the fixture numbering (`HN.CB0001` → `HN.CB0002`): in the fixture trees
    /// usually a cell of the same grassroots organisation, so the sample route is short.
    public static func nextCell(after cell: String) -> String {
        guard let range = cell.range(of: "[0-9]{4}$", options: .regularExpression), let number = Int(cell[range]) else {
            return cell
        }
        return cell[..<range.lowerBound] + String(format: "%04d", number % 9999 + 1)
    }

    /// Procedure (4), residence comments (nhận xét nơi cư trú): the workplace grassroots committee
    /// `requestingOrganisation` asks the residence cell to comment on `member`; its request letter
    /// (CVDN) is signed with the organisation's certificate (serialNumber `TCD:<code>`).
    public static func residenceComment(clientSubmissionId: String = UUID().uuidString.lowercased(), member: MemberRecord,
                                        requestingOrganisation: String, residenceCell: String, year: Int = 2026,
                                        campaignDeadline: String? = nil) -> DossierSubmitV1 {
        var (bytes, letter) = pdf("CVDN", fileName: "cong-van-de-nghi.pdf", title: "Công văn đề nghị nhận xét đảng viên nơi cư trú",
                                  member: member, clientSubmissionId: clientSubmissionId)
        letter.signature = signature(over: bytes, commonName: "Đảng ủy \(requestingOrganisation)",
                                     serialNumber: "TCD:\(requestingOrganisation)", fileName: "cong-van-de-nghi.pdf.p7s")
        var form = ["toChucDeNghi": requestingOrganisation, "namNhanXet": String(year),
                    "noiCuTru": "Tổ dân phố số 5", "chiBoNoiCuTru": residenceCell]
        form["hanTraLoi"] = campaignDeadline
        return DossierSubmitV1(
            clientSubmissionId: clientSubmissionId, procedureCode: ProcedureCode.residenceComments, receivingOrganisationCode: residenceCell,
            submitter: Submitter(memberId: member.memberId, fullName: member.fullName), formVersion: "2026.1",
            form: form, attachments: [letter])
    }

    /// A sample PDF component naming the member and the submission (so each is distinct), with its
    /// bytes, size and digest declared.
    static func pdf(_ code: String, fileName: String, title: String, member: MemberRecord,
                    clientSubmissionId: String) -> (bytes: [UInt8], attachment: AttachmentReference) {
        let bytes = Array("%PDF-1.4\n% \(title)\n\(member.fullName) (\(member.memberId))\n\(clientSubmissionId)\n%%EOF\n".utf8)
        return (bytes, AttachmentReference(componentCode: code, fileName: fileName, mediaType: "application/pdf",
                                           sizeBytes: bytes.count, sha256: sha256Hex(bytes),
                                           contentBase64: Data(bytes).base64EncodedString()))
    }

    /// A detached signature by `member` (their citizen id in the certificate), or a declared but
    /// unverifiable one when no signing authority is configured.
    public static func signature(over bytes: [UInt8], by member: MemberRecord, fileName: String,
                                 authority: SigningAuthority? = signing) -> SignatureReference {
        signature(over: bytes, commonName: member.fullName, serialNumber: member.citizenId, fileName: fileName, authority: authority)
    }

    /// A detached signature by the certificate holder `serialNumber` (a citizen id, or `TCD:<code>`
    /// for an organisation).
    public static func signature(over bytes: [UInt8], commonName: String, serialNumber: String, fileName: String,
                                 authority: SigningAuthority? = signing) -> SignatureReference {
        guard let authority,
              let signer = try? authority.signer(commonName: commonName, serialNumber: serialNumber),
              let cms = try? authority.sign(bytes, as: signer) else {
            return SignatureReference(fileName: fileName, sizeBytes: 3_012, sha256: String(repeating: "b1", count: 32))
        }
        return SignatureReference(fileName: fileName, sizeBytes: cms.count, sha256: sha256Hex(cms),
                                  contentBase64: Data(cms).base64EncodedString())
    }

    /// The message an integrator publishes to `tthc.intake`.
    public static func message<Payload: Codable & Sendable>(_ payload: Payload, type: MessageType = .dossierSubmit,
                                                            userId: String, replyTo: String? = nil,
                                                            correlationId: String? = nil) throws -> (body: [UInt8], properties: MessageProperties) {
        let envelope = Envelope(source: "urn:integrator:\(userId)", type: type, data: payload)
        return (try WireJSON.encode(envelope), MessageProperties(
            messageId: envelope.id, type: envelope.type, contentType: "application/cloudevents+json", appId: userId,
            userId: userId, correlationId: correlationId, replyTo: replyTo, timestamp: Date()))
    }
}

extension SampleDossier {
    /// Procedure (3), party dues (DANGPHI form from version 2): the member declares the months, the
    /// group and the basis; a relief (`mienGiam`) carries its request (MG) signed by the member.
    public static func partyDues(clientSubmissionId: String = UUID().uuidString.lowercased(), member: MemberRecord,
                                 firstMonth: String, months: Int = 1, group: String = "social-insurance", basisVND: Int? = 9_500_000,
                                 relief: String? = nil, reliefMonths: Int? = nil, extraVND: Int? = nil) -> DossierSubmitV1 {
        var form = ["kyNop": firstMonth, "soThangNop": String(months), "nhomDangPhi": group]
        form["mucCanCuVND"] = basisVND.map(String.init)
        form["mienGiam"] = relief
        form["soThangMienGiam"] = reliefMonths.map(String.init)
        form["nopThemVND"] = extraVND.map(String.init)
        var attachments: [AttachmentReference] = []
        if relief != nil {
            var (bytes, request) = pdf("MG", fileName: "don-mien-giam.pdf", title: "Đơn đề nghị miễn, giảm đảng phí", member: member,
                                       clientSubmissionId: clientSubmissionId)
            request.signature = signature(over: bytes, by: member, fileName: "don-mien-giam.pdf.p7s")
            attachments.append(request)
        }
        return DossierSubmitV1(
            clientSubmissionId: clientSubmissionId, procedureCode: ProcedureCode.partyDues, receivingOrganisationCode: member.organisationCode,
            submitter: Submitter(memberId: member.memberId, fullName: member.fullName), formVersion: "2026.2", form: form,
            attachments: attachments)
    }
}
