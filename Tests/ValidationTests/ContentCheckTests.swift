import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit
import Signatures
import TestSupport
import ValidationRules
import XCTest

/// Builds dossiers of each procedure for one registry member, signed with a test CA.
struct DossierFactory {
    let signing: TestSigning
    let member = MemberFixture.member(number: 42)
    /// Monday 23/11/2026 09:00 in Vietnam.
    static let receipt = VietnamTime.parse(local: "2026-11-23 09:00")!

    static let forms: [String: [String: String]] = [
        ProcedureCode.officialTransfer: ["lyDo": "Chuyển công tác", "noiDen": "Đảng bộ phường Ba Đình", "chiBoNoiDen": "HN.CB0002", "ngayQuyetDinh": "2026-11-16"],
        "CSHD.TAMTHOI": ["lyDo": "Đi làm việc có thời hạn", "noiDen": "Chi bộ khu phố 3", "chiBoNoiDen": "HCM.CB0003", "mucDich": "lam-viec", "thoiHanThang": "9"],
        "DANGPHI": ["kyNop": "11/2026"],
        "NHANXET.CUTRU": ["toChucDeNghi": "HN.DUCS01", "namNhanXet": "2026", "noiCuTru": "Tổ dân phố 5, phường Láng", "chiBoNoiCuTru": "HN.CB0009"],
    ]
    static let components: [String: [String]] = [
        ProcedureCode.officialTransfer: ["DDN", "BTKD", "QD"], "CSHD.TAMTHOI": ["DDN", "XN"], "DANGPHI": [],
        "NHANXET.CUTRU": ["CVDN"],
    ]

    func signer(for procedure: String, expired: Bool = false) throws -> SigningAuthority.Signer {
        if procedure == "NHANXET.CUTRU" { return try signing.authority.signer(commonName: "Đảng ủy", serialNumber: "TCD:HN.DUCS01") }
        if expired {
            return try signing.authority.signer(commonName: member.fullName, serialNumber: member.citizenId,
                                                notBefore: Date().addingTimeInterval(-400 * 86_400),
                                                notAfter: Date().addingTimeInterval(-30 * 86_400))
        }
        return try signing.authority.signer(commonName: member.fullName, serialNumber: member.citizenId)
    }

    func content(_ procedure: String, receipt: Date = receipt, submitted: Date? = nil, form overrides: [String: String] = [:],
                 signer: SigningAuthority.Signer? = nil, leaveOut: Set<String> = []) throws -> DossierContent {
        var form = Self.forms[procedure]!
        for (k, v) in overrides { form[k] = v }
        let catalog = try ProcedureCatalog.bundled().procedure(procedure, at: receipt)!
        let attachments = try Self.components[procedure]!.filter { !leaveOut.contains($0) }.map { code in
            let bytes = Array("%PDF-1.4\n\(procedure) \(code) \(member.memberId)\n%%EOF\n".utf8)
            var attachment = AttachmentReference(componentCode: code, fileName: "\(code).pdf", mediaType: "application/pdf",
                                                 sizeBytes: bytes.count, sha256: digest(bytes),
                                                 contentBase64: Data(bytes).base64EncodedString())
            if catalog.components.first(where: { $0.code == code })!.signatureRequired {
                let cms = try signing.authority.sign(bytes, as: try signer ?? self.signer(for: procedure))
                attachment.signature = SignatureReference(fileName: "\(code).pdf.p7s", sizeBytes: cms.count, sha256: digest(cms),
                                                          contentBase64: Data(cms).base64EncodedString())
            }
            return attachment
        }
        return DossierContent(received: DossierReceivedV1(
            dossierCode: "HN.CB0001-261123-000001", integrator: "portal-test", clientSubmissionId: UUID().uuidString,
            procedureCode: procedure, receivingOrganisationCode: member.organisationCode,
            submitter: Submitter(memberId: member.memberId, fullName: member.fullName), form: form, attachments: attachments,
            receivedAt: submitted ?? receipt, officialReceiptAt: receipt))
    }

    func digest(_ bytes: [UInt8]) -> String { sha256Hex(bytes) }

    /// A factory with a fresh test CA, and the content check trusting that CA.
    static func withCheck() throws -> (factory: DossierFactory, check: ContentCheck) {
        let signing = try TestSigning()
        return (DossierFactory(signing: signing),
                ContentCheck(catalog: try ProcedureCatalog.bundled(), calendars: try OfficeCalendars.bundled(),
                             verifier: try DetachedSignatureVerifier(trustAnchorsPEM: signing.trustAnchorPEM)))
    }
}

final class ContentCheckTests: XCTestCase {
    var factory: DossierFactory!
    var check: ContentCheck!

    override func setUpWithError() throws {
        (factory, check) = try DossierFactory.withCheck()
    }

    func problems(_ outcome: CheckOutcome) -> [Problem] {
        if case let .supplementRequested(_, problems) = outcome { return problems }
        XCTFail("expected a supplement request, got \(outcome)")
        return []
    }

    func testAValidDossierOfEachProcedureIsAccepted() throws {
        for procedure in DossierFactory.forms.keys.sorted() {
            let outcome = check.check(try factory.content(procedure), member: factory.member)
            guard case let .accepted(version, form, _, _) = outcome else {
                XCTFail("\(procedure): \(outcome)")
                continue
            }
            XCTAssertEqual(version, 1, procedure)
            XCTAssertEqual(form["hoTen"], factory.member.fullName, procedure)
        }
    }

    /// After a transfer the registry has the member in the new cell: a dossier sent to the old one
    /// is answered with the new cell; a transfer to the cell the member is in is refused.
    func testADossierSentToAnotherCellIsAnsweredWithTheMembersCellAndATransferToItIsRefused() throws {
        var moved = factory.member
        moved.organisationCode = "HCM.CB0077"
        guard case let .refused(code, reason) = check.check(try factory.content(ProcedureCode.officialTransfer), member: moved) else {
            return XCTFail("sent to the old cell")
        }
        XCTAssertEqual(code, "not-member-organisation")
        XCTAssertTrue(reason.contains("HCM.CB0077"), reason)
        let own = try factory.content(ProcedureCode.temporaryTransfer, form: ["chiBoNoiDen": factory.member.organisationCode])
        guard case .refused("transfer-to-own-cell", _) = check.check(own, member: factory.member) else {
            return XCTFail("transfer to the member's own cell: \(check.check(own, member: factory.member))")
        }
    }

    func testFieldsTheRegistryKnowsAreFilledInAndMarked() throws {
        let outcome = check.check(try factory.content(ProcedureCode.officialTransfer), member: factory.member)
        guard case let .accepted(_, form, submitter, prefilled) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(form["ngaySinh"], factory.member.dateOfBirth)
        XCTAssertEqual(form["soTheDangVien"], factory.member.partyCardNumber)
        XCTAssertEqual(form["chiBoHienTai"], factory.member.organisationCode)
        XCTAssertEqual(submitter.citizenId, factory.member.citizenId)
        // The record and register numbers the introduction letter carries come from the registry too.
        XCTAssertEqual(form["soLyLich"], factory.member.recordNumber)
        XCTAssertEqual(form["soDangKy"], factory.member.registerNumber)
        XCTAssertEqual(Set(prefilled.map(\.path)), [
            "$.data.submitter.citizenId", "$.data.submitter.partyCardNumber", "$.data.form.hoTen", "$.data.form.ngaySinh",
            "$.data.form.soTheDangVien", "$.data.form.soLyLich", "$.data.form.soDangKy", "$.data.form.chiBoHienTai",
        ])
        XCTAssertTrue(prefilled.allSatisfy { $0.source == "member-registry" })
    }

    func testAnAmendmentCorrectsTheSubmittersDataTheRequestNamed() throws {
        var content = try factory.content(ProcedureCode.officialTransfer)
        content.submitter.fullName = "Nguyễn Văn Sai"
        content.submitter.citizenId = "999999999999"
        XCTAssertEqual(Set(problems(check.check(content, member: factory.member)).map(\.path)),
                       ["$.data.submitter.fullName", "$.data.submitter.citizenId"])
        // The right name, and the citizen id left to the registry.
        let amended = content.amended(by: DossierSupplementReceivedV1(
            dossierCode: "HN.CB0001-261123-000001", integrator: "portal-test", clientSubmissionId: "bs-1", form: [:],
            attachments: [], note: nil, receivedAt: DossierFactory.receipt,
            submitter: SubmitterCorrection(fullName: factory.member.fullName, citizenId: "")))
        guard case let .accepted(_, _, submitter, prefilled) = check.check(amended, member: factory.member) else {
            return XCTFail("the corrected dossier is accepted")
        }
        XCTAssertEqual(submitter.fullName, factory.member.fullName)
        XCTAssertEqual(submitter.citizenId, factory.member.citizenId)
        XCTAssertTrue(prefilled.contains { $0.path == "$.data.submitter.citizenId" })
        XCTAssertEqual(amended.submitter.memberId, content.submitter.memberId, "the member never changes")
    }

    func testThreeDifferentProblemsAreListedTogetherInOneRequest() throws {
        var content = try factory.content(ProcedureCode.officialTransfer, form: ["ngaySinh": "1970-01-01"], leaveOut: ["QD"])
        // Tamper with the signed request after signing.
        let index = content.attachments.firstIndex { $0.componentCode == "DDN" }!
        let tampered = Array("%PDF-1.4\nsomething else entirely\n%%EOF\n".utf8)
        content.attachments[index].contentBase64 = Data(tampered).base64EncodedString()
        content.attachments[index].sizeBytes = tampered.count
        content.attachments[index].sha256 = sha256Hex(tampered)
        let found = problems(check.check(content, member: factory.member))
        XCTAssertEqual(found.map(\.code).sorted(), ["missing-component", "registry-mismatch", "signature-invalid"])
        XCTAssertEqual(found.first { $0.code == "registry-mismatch" }?.path, "$.data.form.ngaySinh")
        XCTAssertTrue(found.allSatisfy { !$0.message.isEmpty })
    }

    /// Đ.11: a member submits for another under a written delegation signed by the one who delegates.
    func delegation(signedBy signer: SigningAuthority.Signer, validUntil: Date? = nil) throws -> SubmissionDelegation {
        let bytes = Array("%PDF-1.4\nGiấy ủy quyền\n%%EOF\n".utf8)
        let cms = try factory.signing.authority.sign(bytes, as: signer)
        let signature = SignatureReference(fileName: "giay-uy-quyen.pdf.p7s", sizeBytes: cms.count, sha256: sha256Hex(cms),
                                           contentBase64: Data(cms).base64EncodedString())
        return SubmissionDelegation(
            delegateKind: .member, delegateId: "HN-000043", delegateName: "Lê Thị Ủy Quyền", form: .writtenDocument,
            document: AttachmentReference(componentCode: "GUQ", fileName: "giay-uy-quyen.pdf", mediaType: "application/pdf",
                                          sizeBytes: bytes.count, sha256: sha256Hex(bytes), signature: signature,
                                          contentBase64: Data(bytes).base64EncodedString()),
            validUntil: validUntil)
    }

    func testAWrittenDelegationSignedByTheMemberIsAcceptedAndEveryFlawOfABadOneIsListed() throws {
        let delegate = MemberFixture.member(number: 43)
        var content = try factory.content(ProcedureCode.officialTransfer)
        content.delegation = try delegation(signedBy: try factory.signer(for: ProcedureCode.officialTransfer))
        content.delegation?.delegateId = delegate.memberId
        guard case .accepted = check.check(content, member: factory.member, delegate: delegate) else {
            return XCTFail("\(check.check(content, member: factory.member, delegate: delegate))")
        }
        // Signed by the delegate instead, expired before the receipt, and the delegate unknown to the registry.
        let byDelegate = try factory.signing.authority.signer(commonName: delegate.fullName, serialNumber: delegate.citizenId)
        content.delegation = try delegation(signedBy: byDelegate, validUntil: DossierFactory.receipt.addingTimeInterval(-86_400))
        let found = problems(check.check(content, member: factory.member, delegate: nil))
        XCTAssertEqual(found.map(\.code).sorted(), ["delegate-not-member", "delegation-expired", "signer-not-member"])
        XCTAssertEqual(found.first { $0.code == "signer-not-member" }?.path, "$.data.delegation.document.signature")
    }

    func testAnExpiredCertificateFailsVerification() throws {
        let content = try factory.content("CSHD.TAMTHOI", signer: try factory.signer(for: "CSHD.TAMTHOI", expired: true))
        XCTAssertEqual(problems(check.check(content, member: factory.member)).map(\.code), ["signature-certificate-expired"])
    }

    func testASignatureByAnotherPersonIsNotTheMembers() throws {
        let other = try factory.signing.authority.signer(commonName: "Trần Văn B", serialNumber: "001099000001")
        let content = try factory.content("CSHD.TAMTHOI", signer: other)
        XCTAssertEqual(problems(check.check(content, member: factory.member)).map(\.code), ["signer-not-member"])
    }

    func testASignatureFromAnUntrustedAuthorityFails() throws {
        let stranger = try TestSigning()
        let content = try factory.content("CSHD.TAMTHOI")
        // The signature is by a certificate of another CA that merely claims the member's id.
        var verifying = content
        verifying.attachments = try content.attachments.map { attachment in
            guard attachment.signature != nil, let bytes = Data(base64Encoded: attachment.contentBase64!) else { return attachment }
            var copy = attachment
            let cms = try stranger.authority.sign(Array(bytes), as: try stranger.authority.signer(
                commonName: factory.member.fullName, serialNumber: factory.member.citizenId))
            copy.signature = SignatureReference(fileName: "x.p7s", sizeBytes: cms.count, sha256: sha256Hex(cms),
                                                contentBase64: Data(cms).base64EncodedString())
            return copy
        }
        XCTAssertEqual(problems(check.check(verifying, member: factory.member)).map(\.code), ["signature-untrusted"])
    }

    func testATemporaryTransferLongerThanAllowedIsRefused() throws {
        let work = check.check(try factory.content("CSHD.TAMTHOI", form: ["thoiHanThang": "18"]), member: factory.member)
        guard case let .refused(code, reason) = work else { return XCTFail("\(work)") }
        XCTAssertEqual(code, "temporary-period-not-allowed")
        XCTAssertTrue(reason.contains("18 tháng"), reason)
        // Full-time study may last up to 24 months.
        let study = check.check(try factory.content("CSHD.TAMTHOI", form: ["thoiHanThang": "18", "mucDich": "hoc-tap"]),
                                member: factory.member)
        guard case .accepted = study else { return XCTFail("\(study)") }
    }

    func testAMemberWhoLeftThePartyIsRefusedAndAnUnknownOneWaitsForTheRegistry() throws {
        var removed = factory.member
        removed.standing = .removed
        guard case .refused(code: "member-not-active", _) = check.check(try factory.content("DANGPHI"), member: removed) else {
            return XCTFail("a removed member is refused")
        }
        XCTAssertEqual(check.check(try factory.content("DANGPHI"), member: nil), .awaitingRegistry)
    }

    func testALateOfficialTransferNeedsItsReason() throws {
        // 60 working days after 01/07/2026 is well before 23/11/2026.
        let late = try factory.content(ProcedureCode.officialTransfer, form: ["ngayQuyetDinh": "2026-07-01"])
        XCTAssertEqual(problems(check.check(late, member: factory.member)).map(\.code), ["late-explanation-required"])
        let explained = try factory.content(ProcedureCode.officialTransfer,
                                            form: ["ngayQuyetDinh": "2026-07-01", "lyDoNopMuon": "Điều trị dài ngày tại bệnh viện"])
        guard case .accepted = check.check(explained, member: factory.member) else { return XCTFail("explained lateness is accepted") }
    }

    func testADossierIsJudgedByTheCatalogVersionInForceWhenItWasSubmitted() throws {
        // Version 2 of the temporary transfer (from 01/01/2027) allows at most 6 months of work elsewhere.
        let bundled = try ProcedureCatalog.bundled()
        let v1 = bundled.procedure("CSHD.TAMTHOI", at: DossierFactory.receipt)!
        var json = try JSONSerialization.jsonObject(with: Data(try WireJSON.encode(v1))) as! [String: Any]
        json["version"] = 2
        json["effectiveFrom"] = "2027-01-01T00:00:00+07:00"
        json["temporaryPeriod"] = ["work": ["minMonths": 3, "maxMonths": 6], "study": ["minMonths": 3, "maxMonths": 24]]
        let v2 = try WireJSON.decode(ProcedureVersion.self, from: Array(try JSONSerialization.data(withJSONObject: json)))
        let catalog = ProcedureCatalog(versions: bundled.versions + [v2])
        let judge = ContentCheck(catalog: catalog, calendars: check.calendars, verifier: check.verifier)

        let before = judge.check(try factory.content("CSHD.TAMTHOI", receipt: VietnamTime.parse(local: "2026-12-31 10:00")!),
                                 member: factory.member)
        guard case .accepted(procedureVersion: 1, _, _, _) = before else { return XCTFail("\(before)") }
        let after = judge.check(try factory.content("CSHD.TAMTHOI", receipt: VietnamTime.parse(local: "2027-01-04 10:00")!),
                                member: factory.member)
        guard case .refused(code: "temporary-period-not-allowed", _) = after else { return XCTFail("\(after)") }

        // Submitted on Thursday evening 31/12/2026 under version 1; officially received on Monday
        // 04/01/2027 (1/1 is a holiday), when version 2 is in force: judged by version 1 (Đ.29.3).
        let overTheHoliday = judge.check(try factory.content("CSHD.TAMTHOI", receipt: VietnamTime.parse(local: "2027-01-04 07:30")!,
                                                             submitted: VietnamTime.parse(local: "2026-12-31 21:00")!),
                                         member: factory.member)
        guard case .accepted(procedureVersion: 1, _, _, _) = overTheHoliday else { return XCTFail("\(overTheHoliday)") }
    }

    func testTheCheckDeadlineIsEightWorkingHoursAcrossAWeekend() throws {
        // Member 42's cell is in TP HCM (07:30–11:30, 13:30–17:00). Received Friday 27/11/2026 16:00:
        // one hour on Friday, then four in Monday's morning and three from 13:30 → Monday 30/11 16:30.
        let content = try factory.content("DANGPHI", receipt: VietnamTime.parse(local: "2026-11-27 16:00")!)
        XCTAssertEqual(factory.member.organisationCode.prefix(4), "HCM.")
        XCTAssertEqual(VietnamTime.display(try check.checkDeadline(for: content)), "16:30 30/11/2026")
    }
}
