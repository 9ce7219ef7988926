import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// What the PAKN tests do again and again: submit an item and follow up over AMQP as the
/// integrator, act as an officer over HTTP, wait for an item's update of a given change.
protocol FeedbackScenario: RoutingScenario {}

extension FeedbackScenario {
    var intake: String { "http://127.0.0.1:18081" }

    func feedback(_ member: MemberRecord, organisation: String, key: String, topic: String = "thu-tuc-hanh-chinh",
                  system: FeedbackSystem = .partyProcedures, title: String = "Thời gian giải quyết thủ tục",
                  text: String, consent: Bool = true) -> FeedbackSubmitV1 {
        FeedbackSubmitV1(clientSubmissionId: key,
                         sender: FeedbackSender(kind: .member, memberId: member.memberId, organisationCode: organisation,
                                                fullName: member.fullName),
                         kind: .petition, system: system, topic: topic, title: title, text: text, publicationConsent: consent)
    }

    /// Submits over AMQP; the answer's type and body.
    func submitFeedback(_ submit: FeedbackSubmitV1, on channel: IntakeTests.ReplyChannel) throws -> (type: String?, body: [UInt8]) {
        _ = try channel.send(submit, type: .feedbackSubmit)
        let reply = try channel.replies(1)[0]
        return (reply.properties.type, reply.body)
    }

    /// Submits and returns the receipt.
    func received(_ submit: FeedbackSubmitV1, on channel: IntakeTests.ReplyChannel) throws -> FeedbackReceivedV1 {
        let answer = try submitFeedback(submit, on: channel)
        XCTAssertEqual(answer.type, MessageType.feedbackReceived.cloudEventType, String(decoding: answer.body, as: UTF8.self))
        return try WireJSON.decode(Envelope<FeedbackReceivedV1>.self, from: answer.body).data
    }

    /// A follow-up over AMQP; the answer's type.
    @discardableResult
    func followUp(_ code: String, _ action: FeedbackFollowUpAction, key: String, text: String? = nil, rating: Int? = nil,
                  on channel: IntakeTests.ReplyChannel) throws -> String? {
        _ = try channel.send(FeedbackFollowUpV1(paknCode: code, clientSubmissionId: key, action: action, text: text, rating: rating),
                             type: .feedbackFollowUp)
        return try channel.replies(1)[0].properties.type
    }

    /// An officer's act over HTTP.
    func act(_ code: String, as organisation: String, _ body: [String: Any]) async throws -> (status: Int, body: String) {
        let token = try await token(organisation)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try XCTUnwrap(HTTPProbe.post("\(routing)/v1/feedback/\(code)/decision",
                                            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: json))
    }

    func expectAct(_ status: Int, _ code: String, as organisation: String, _ body: [String: Any],
                   file: StaticString = #filePath, line: UInt = #line) async throws {
        let answer = try await act(code, as: organisation, body)
        XCTAssertEqual(answer.status, status, answer.body, file: file, line: line)
    }

    /// The update of `code` with `change` that `trigger` leads to, listened for from before it.
    func update(_ code: String, _ change: FeedbackChange, _ what: String, after trigger: () async throws -> Void) async throws -> FeedbackUpdatedV1 {
        let listener = try TestEnvironment.amqp()
        defer { listener.close() }
        let events = try listener.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try listener.bindQueue(events, exchange: Exchange.events, routingKey: MessageType.feedbackUpdated.routingKey)
        try await trigger()
        var found: FeedbackUpdatedV1?
        try TestEnvironment.eventually(what) {
            while let delivery = try listener.get(queue: events) {
                let update = try WireJSON.decode(Envelope<FeedbackUpdatedV1>.self, from: delivery.body).data
                if update.paknCode == code, update.change == change, found == nil { found = update }
            }
            return found != nil
        }
        return try XCTUnwrap(found)
    }

    func itemStatus(_ code: String) throws -> String? {
        try TestEnvironment.value("SELECT status FROM routing.feedback_items WHERE code = $1", [code])
    }

    /// A timer of the item, as Vietnam local time (`2026-12-08 17:00`), or nil when none is pending.
    func pendingTimer(_ code: String, _ kind: String) throws -> String? {
        try TestEnvironment.value("""
            SELECT to_char(due_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.timers
            WHERE kind = $1 AND key = $2 AND fired_at IS NULL
            """, [kind, code])
    }

    /// The organisation `code` and those above it, from routing's replica.
    func chain(from code: String) throws -> [String] {
        var chain = [code]
        while let parent = try TestEnvironment.value("SELECT parent_code FROM routing.organisations WHERE code = $1", [chain.last!]) {
            chain.append(parent)
        }
        return chain
    }

    func kind(of organisation: String) throws -> String? {
        try TestEnvironment.value("SELECT kind FROM routing.organisations WHERE code = $1", [organisation])
    }

    /// The texts of the notices about a PAKN item to one recipient kind, joined.
    func notices(_ code: String, to kind: String) throws -> String {
        try TestEnvironment.value("""
            SELECT string_agg(recipient_id || ': ' || text, ' | ' ORDER BY created_at) FROM notification.notices
            WHERE dossier_code = $1 AND recipient_kind = $2
            """, [code, kind]) ?? ""
    }
}
