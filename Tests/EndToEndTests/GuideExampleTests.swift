import Contracts
import Development
import Foundation
import Messaging
import TestSupport
import XCTest

/// Issue 14: every example of the integrator guide (`docs/integrators.md`, the shell blocks marked
/// `<!-- example: NAME -->`, run as they are) and the command examples of
/// `Shared/Contracts/Examples/` reach the state the guide promises, against the running system in
/// its development world (the generated registries, the organisations' software simulated).
final class GuideExampleTests: XCTestCase {
    static let guide = TestEnvironment.repositoryRoot.appendingPathComponent("docs/integrators.md")

    /// The shell block that follows `<!-- example: name -->`.
    static func example(_ name: String) throws -> String {
        let text = try String(contentsOf: guide, encoding: .utf8)
        let marker = try XCTUnwrap(text.range(of: "<!-- example: \(name) -->\n```sh\n"), "no example \(name) in the guide")
        let end = try XCTUnwrap(text.range(of: "\n```", range: marker.upperBound..<text.endIndex))
        return String(text[marker.upperBound..<end.lowerBound])
    }

    /// Runs a guide block with bash from the repository root, tthc-admin on the PATH.
    static func run(_ name: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let path = TestEnvironment.binDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try runCommand(URL(fileURLWithPath: "/bin/bash"), ["-euo", "pipefail", "-c", try example(name)],
                              environment: environment.merging(["PATH": path]) { $1 }, directory: TestEnvironment.repositoryRoot)
    }

    func testThePythonExampleFollowsItsDossierToTheResult() throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        let (status, output) = try Self.run("python")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("Mã hồ sơ: HN.CB0001-"), output)
        XCTAssertTrue(output.contains("→ dossier.accepted.v1"), output)
        XCTAssertTrue(output.contains("Kết quả: KQ."), output)
    }

    func testThePythonExampleSubmitsUploadedDocumentsByReferenceToTheResult() throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        let (status, output) = try Self.run("python-v2", environment: ["TTHC_INTAKE_URL": world.intakeURL])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("→ dossier.accepted.v1") && output.contains("Kết quả: KQ."), output)
        let code = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("Mã hồ sơ: ") }).dropFirst("Mã hồ sơ: ".count)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM archive.dossier_documents WHERE dossier_code = $1",
                                                 [String(code)]), 3, "its three components were uploaded, not carried")
    }

    func testTheUploadExampleStoresADocumentOnceInArchive() throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        let (status, output) = try Self.run("upload", environment: ["TTHC_INTAKE_URL": world.intakeURL])
        XCTAssertEqual(status, 0, output)
        let stored = try WireJSON.decode(StoredDocumentV1.self, from: Array((output.split(separator: "\n").last ?? "").utf8))
        XCTAssertEqual([stored.componentCode, stored.mediaType], ["BTKD", "application/pdf"])
        XCTAssertEqual(try TestEnvironment.value("SELECT integrator || ' ' || status FROM archive.documents WHERE document_id = $1::uuid",
                                                 [stored.documentId]), "portal-demo stored")
    }

    func testTheCurlAndAmqpToolsExamplesSubmitAndHearBack() throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        // amqp-tools listens on portal-demo's feed while the curl example submits as portal-demo.
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/bin/bash")
        listener.arguments = ["-euo", "pipefail", "-c", try Self.example("amqp-tools")]
        let heard = Pipe()
        listener.standardOutput = heard
        try listener.run()
        defer { if listener.isRunning { listener.terminate() } }
        try TestEnvironment.eventually(timeout: 30, interval: 0.5, "amqp-consume bound its queue") {
            try Self.bindings().contains("portal-demo.tail\tportal-demo.#")
        }

        let (status, output) = try Self.run("curl", environment: ["TTHC_INTAKE_URL": world.intakeURL])
        XCTAssertEqual(status, 0, output)
        let answers = output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(answers.count, 2, output)
        XCTAssertEqual(Set(answers.first?.keys.map { $0 } ?? []), ["dossierCode", "status", "statusLabel", "verificationUrl"])
        XCTAssertNotNil(answers.last?["history"], "the secret opens the history")
        // A new dossier of portal-demo's (on a rerun the curl example's key is answered from before).
        _ = try world.system.admin(["submit-sample", "--count", "1"])

        try TestEnvironment.eventually(timeout: 30, "amqp-consume printed an event") { !listener.isRunning }
        let event = String(decoding: heard.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(event.contains("\"specversion\""), event)
        XCTAssertEqual(listener.terminationStatus, 0)
    }

    func testTheInboxExampleReadsTheMembersNoticesForThePortalThatSubmitted() throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        // portal-demo submits a dossier for DV0000001, then reads the member's inbox.
        let submit = SampleDossier.submit(organisation: "HN.CB0001", member: MemberFixture.member(number: 1))
        let amqp = try TestEnvironment.amqp(user: "portal-demo", confirms: true)
        let message = try SampleDossier.message(submit, userId: "portal-demo")
        try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey, body: message.body,
                         properties: message.properties)
        try amqp.waitForConfirms()
        amqp.close()
        try TestEnvironment.eventually("the member has a notice of it") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM notification.notices n JOIN notification.dossier_portals p USING (dossier_code)
                WHERE n.recipient_id = 'DV0000001' AND p.integrator = 'portal-demo'
                """) > 0
        }
        let (status, output) = try Self.run("inbox", environment: [
            "TTHC_NOTIFICATION_URL": "http://127.0.0.1:\(SystemHarness.ports["notification"]!)"])
        XCTAssertEqual(status, 0, output)
        let page = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        XCTAssertEqual(page["memberId"] as? String, "DV0000001")
        XCTAssertNotNil(page["unread"] as? Int, output)
        XCTAssertTrue((page["notices"] as? [[String: Any]])?.first?["text"] as? String != nil, output)
    }

    func testTheFeedbackExampleGetsACodeAndShowsTheStatusAndTheTimeline() throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        let (status, output) = try Self.run("feedback", environment: ["TTHC_INTAKE_URL": world.intakeURL])
        XCTAssertEqual(status, 0, output)
        let answers = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(answers.count, 3, output)
        XCTAssertTrue((answers.first?["paknCode"] as? String)?.hasPrefix("PAKN.") == true, output)
        XCTAssertNil(answers.first?["history"], "anyone sees the status only")
        XCTAssertNotNil(answers.dropFirst().first?["history"], "the integrator sees the timeline")
        XCTAssertNotNil(answers.last?["answers"] as? [Any], output)
        // Routing has it, in charge of an organisation. Not its status: the example's fixed
        // Idempotency-Key gives the same item again on a database other tests used, whose clocks
        // may have moved it on since (accepted, answered), and the same text from the same member
        // is a duplicate (linked) of an item submitted by another test.
        let code = try XCTUnwrap(answers.first?["paknCode"] as? String)
        try TestEnvironment.eventually("assigned") {
            try TestEnvironment.count("SELECT count(*) AS n FROM routing.feedback_items WHERE code = $1 AND organisation_code <> ''",
                                      [code]) == 1
        }
    }

    func testTheCommittedCommandExamplesAreAcceptedAsTheyAre() throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        let examples = TestEnvironment.repositoryRoot.appendingPathComponent("Shared/Contracts/Examples")
        let channel = try IntakeTests.ReplyChannel()
        // dossier.submit.v1, byte for byte: received (or, on a rerun, the same receipt), then its result.
        let submit = try Array(Data(contentsOf: examples.appendingPathComponent("dossier.submit.v1.json")))
        try channel.publish(submit, type: .dossierSubmit)
        let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        // "When in doubt, publish again": the same message again (the inbox knows its id) is answered
        // with the same receipt.
        try channel.publish(submit, type: .dossierSubmit)
        let again = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        XCTAssertEqual(again.dossierCode, receipt.dossierCode)
        XCTAssertEqual(again.receiptSecret, receipt.receiptSecret)
        try world.awaitResult(receipt.dossierCode, secret: try XCTUnwrap(receipt.receiptSecret))
        // The transfer moved DV0000001 to HN.CB0002: the same example again would be sent to its old cell.
        try world.resetMembers(after: receipt.dossierCode)

        // dossier.supplement.v1 answers a dossier awaiting a supplement: one whose submitter's
        // name the registry contradicts. Its code and its own client id are the only changes.
        var object = try JSONSerialization.jsonObject(with: Data(submit)) as! [String: Any]
        var data = object["data"] as! [String: Any]
        data["clientSubmissionId"] = "guide-\(UUID().uuidString)"
        data["submitter"] = ["memberId": "DV0000001", "fullName": "Tên Không Khớp", "citizenId": "001151000001"]
        object["data"] = data
        object["id"] = UUID().uuidString.lowercased()  // another message needs another id
        try channel.publish(try JSONSerialization.data(withJSONObject: object).map { $0 }, type: .dossierSubmit)
        let asked = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        try TestEnvironment.eventually(timeout: 60, "supplement requested") {
            HTTPProbe.get("\(world.intakeURL)/v1/dossiers/\(asked.dossierCode)")?.body.contains("supplement-requested") == true
        }
        var supplement = try JSONSerialization.jsonObject(
            with: Data(contentsOf: examples.appendingPathComponent("dossier.supplement.v1.json"))) as! [String: Any]
        var amendment = supplement["data"] as! [String: Any]
        amendment["dossierCode"] = asked.dossierCode
        amendment["clientSubmissionId"] = "guide-bs-\(UUID().uuidString)"
        supplement["data"] = amendment
        supplement["subject"] = asked.dossierCode
        supplement["id"] = UUID().uuidString.lowercased()
        try channel.publish(try JSONSerialization.data(withJSONObject: supplement).map { $0 }, type: .dossierSupplement)
        XCTAssertEqual(try channel.replies(1)[0].properties.type, MessageType.dossierSupplementReceived.cloudEventType)
        try world.awaitResult(asked.dossierCode, secret: try XCTUnwrap(asked.receiptSecret))
    }

    func testTheSandboxCommandsGiveATokenAndReturnADossierWhenAsked() throws {
        let world = try DevelopmentWorld(decide: "return")
        defer { world.stop() }
        // An officer's token from tthc-admin opens the officers' edge.
        let token = try world.system.admin(["tokens", "officer", "--org", "HN.CB0001"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let inbox = HTTPProbe.get("http://127.0.0.1:\(SystemHarness.ports["routing"]!)/v1/inbox", headers: ["Authorization": "Bearer \(token)"])
        XCTAssertEqual(inbox?.status, 200, inbox?.body ?? "")
        // The organisations' software returns the step: the integrator reads why.
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(member: MemberFixture.member(number: 1)))
        let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        var history: [[String: Any]] = []
        try TestEnvironment.eventually(timeout: 60, "the step returned") {
            guard let answer = HTTPProbe.get("\(world.intakeURL)/v1/dossiers/\(receipt.dossierCode)",
                                             headers: ["X-Receipt-Secret": receipt.receiptSecret ?? ""]),
                  let view = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] else { return false }
            history = view["history"] as? [[String: Any]] ?? []
            return view["status"] as? String == "supplement-requested"
        }
        let request = try XCTUnwrap(history.last { $0["type"] as? String == MessageType.dossierSupplementRequested.routingKey })
        let problems = try XCTUnwrap((request["details"] as? [String: Any])?["problems"] as? [[String: Any]])
        XCTAssertEqual(problems.first?["code"] as? String, "returned-by-organisation")
    }

    func testTheContractKitExampleChecksTheCommittedExample() throws {
        let (status, output) = try Self.run("contract-kit")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("dossier.submit.v1.json: ok"), output)
    }

    /// The broker's bindings, one `queue<TAB>key` per line (rabbitmqctl).
    static func bindings() throws -> String {
        try runCommand(URL(fileURLWithPath: "/bin/bash"),
                       [TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/local/servers.sh").path, "rabbitmqctl", "-q",
                        "list_bindings", "-p", "tthc", "destination_name", "routing_key"]).output
    }
}
