import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// What the routing tests do again and again: officers' tokens and decisions over HTTP, the
/// current step, the route's status, an event listened for around a trigger, a started system.
protocol RoutingScenario: XCTestCase {}

extension RoutingScenario {
    var routing: String { "http://127.0.0.1:18083" }

    func token(_ organisation: String, person: String = "CB-1", role: String = "officer") async throws -> String {
        let secret = ProcessInfo.processInfo.environment["TTHC_OFFICER_TOKEN_SECRET"] ?? ""
        return try await OfficerTokens(secret: secret).sign(OfficerClaims(
            person: person, organisation: organisation, role: role, expires: Date().addingTimeInterval(600)))
    }

    /// Decides a step over HTTP as an officer; returns the status and body.
    @discardableResult
    func decide(_ code: String, step: Int, _ decision: String, reason: String? = nil, token: String,
                content: [String: String]? = nil) throws -> (status: Int, body: String) {
        var body: [String: Any] = ["decision": decision]
        body["reason"] = reason
        body["content"] = content
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try XCTUnwrap(HTTPProbe.post("\(routing)/v1/dossiers/\(code)/steps/\(step)/decision",
                                            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                            body: json))
    }

    func decideAs(_ organisation: String, _ code: String, step: Int, _ decision: String, reason: String? = nil,
                  content: [String: String]? = nil) async throws -> (status: Int, body: String) {
        try decide(code, step: step, decision, reason: reason, token: try await token(organisation), content: content)
    }

    func expectDecision(_ status: Int, _ organisation: String, _ code: String, step: Int, _ decision: String,
                        reason: String? = nil, content: [String: String]? = nil,
                        file: StaticString = #filePath, line: UInt = #line) async throws {
        let answer = try await decideAs(organisation, code, step: step, decision, reason: reason, content: content)
        XCTAssertEqual(answer.status, status, answer.body, file: file, line: line)
    }

    /// The current step's number and organisation, once the route is in progress.
    func currentStep(_ code: String) throws -> (number: Int, organisation: String)? {
        guard let row = try TestEnvironment.value("""
            SELECT s.step_number || ' ' || s.organisation_code FROM routing.routes r
            JOIN routing.route_steps s ON s.dossier_code = r.dossier_code AND s.step_number = r.current_step
            WHERE r.dossier_code = $1 AND r.status = 'in-progress' AND s.status = 'assigned'
            """, [code]) else { return nil }
        let parts = row.split(separator: " ")
        return (Int(parts[0])!, String(parts[1]))
    }

    /// The `type` event of dossier `code` that `trigger` (e.g. moving the clock) leads to, listened
    /// for on `tthc.events` from before the trigger so it cannot be missed.
    func event<Payload: Codable & Sendable>(_ type: MessageType, _ payload: Payload.Type, of code: String, _ what: String,
                                            after trigger: () throws -> Void) throws -> Payload {
        let listener = try TestEnvironment.amqp()
        defer { listener.close() }
        let events = try listener.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try listener.bindQueue(events, exchange: Exchange.events, routingKey: type.routingKey)
        try trigger()
        var found: Payload?
        try TestEnvironment.eventually(what) {
            while let delivery = try listener.get(queue: events) {
                let envelope = try WireJSON.decode(Envelope<Payload>.self, from: delivery.body)
                if envelope.subject == code { found = envelope.data }
            }
            return found != nil
        }
        return try XCTUnwrap(found)
    }

    func routeStatus(_ code: String) throws -> String? {
        try TestEnvironment.value("SELECT status || coalesce(':' || decision, '') FROM routing.routes WHERE dossier_code = $1", [code])
    }

    /// Submits one dossier of the system's member and returns its code once routing has it.
    func submit(_ system: SystemHarness, member: MemberRecord, destination: String) throws -> String {
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member, destination: destination))
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("route started") { try self.currentStep(code) != nil }
        return code
    }

    func startSystem(_ system: SystemHarness, environment: [String: String] = [:]) throws -> MemberRecord {
        try system.startAll(environment: environment, autoDecide: false)
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        return member
    }
}
