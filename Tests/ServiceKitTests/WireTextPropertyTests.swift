import Contracts
import Foundation
import Persistence
import PropertyBased
import ServiceKit
import Testing
import TestSupport

/// Random texts and numbers thrown at the submission's field rules, with the real PostgreSQL as
/// the judge: whatever WireText lets through, the database stores (a text key with a btree
/// index, jsonb, an `int`); whatever it would refuse, WireText names by its path first.
@Suite struct WireTextPropertyTests {
    static let texts = Gen.latin1.string(of: 0...40)
    static let longTexts = Gen.letterOrNumber.string(of: 100...9000)

    func submission(_ text: String, number: Int) -> DossierSubmitV1 {
        var submit = SampleDossier.submit(clientSubmissionId: text, organisation: "HN.CB0001")
        submit.submitter.citizenId = text
        submit.form["lyDo"] = text
        submit.attachments[0].sizeBytes = number
        return submit
    }

    /// True when PostgreSQL stores the fields as intake would (rolled back, nothing kept).
    func databaseAccepts(_ submit: DossierSubmitV1) throws -> Bool {
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        try db.execute("CREATE TEMP TABLE probe (id text PRIMARY KEY, citizen text, doc jsonb, size int)")
        do {
            try db.execute("INSERT INTO probe VALUES ($1, $2, $3::jsonb, $4)", [
                submit.clientSubmissionId, submit.submitter.citizenId, String(decoding: try WireJSON.encode(submit), as: UTF8.self),
                submit.attachments[0].sizeBytes])
            return true
        } catch let error as PostgresError where error.isCausedByTheData {
            return false
        }
    }

    func check(_ text: String, _ number: Int) throws {
        let submit = submission(text, number: number)
        let problems = WireText.problems(in: submit)
        if problems.isEmpty {
            #expect(try databaseAccepts(submit), "WireText let through what PostgreSQL refuses: \(text.debugDescription) \(number)")
        } else {
            let paths = Set(problems.map(\.path))
            #expect(paths.isSubset(of: ["$.data.clientSubmissionId", "$.data.submitter.citizenId", "$.data.form.lyDo",
                                        "$.data.attachments[0].sizeBytes"]), "\(paths)")
            if !(try databaseAccepts(submit)) { return }
            // Refused although the database would store it: only for reasons of our own (controls, length).
            #expect(problems.allSatisfy { ["control-character", "too-long", "out-of-range"].contains($0.code) })
        }
    }

    @Test func shortTextsWithAnyLatin1CharacterAndAnyInteger() async {
        await propertyCheck(count: 150, input: Self.texts, Gen.int(in: Int(Int32.min) - 10...Int(Int32.max) + 10)) { text, number in
            #expect(throws: Never.self) { try check(text, number) }
        }
    }

    @Test func longTextsAndExtremeIntegers() async {
        await propertyCheck(count: 40, input: Self.longTexts, Gen.int()) { text, number in
            #expect(throws: Never.self) { try check(text, number) }
        }
    }
}
