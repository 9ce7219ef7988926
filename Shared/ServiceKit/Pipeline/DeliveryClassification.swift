import Contracts
import Foundation
import Messaging
import Persistence
import Signatures

/// What the consumer does with a delivery before any handler runs: read its envelope and type, or
/// dead-letter it with the reason it can never be processed (ARCHITECTURE §3.4).
extension ConsumerWorker {
    // MARK: Classifying

    enum Classified {
        case handle(IncomingMessage)
        case deadLetter(Delivery, PermanentFailure)
    }

    func classify(_ delivery: Delivery) -> Classified {
        if delivery.body.count > env.configuration.maxMessageBytes {
            return .deadLetter(delivery, PermanentFailure(
                code: "message-too-large",
                reason: "body has \(delivery.body.count) bytes, the limit is \(env.configuration.maxMessageBytes)"))
        }
        // CloudEvents' AMQP binding in binary mode puts the attributes in application properties
        // (`cloudEvents:`/`cloudEvents_`, or HTTP-style `ce-`) and only `data` in the body.
        if delivery.properties.headers.keys.contains(where: { key in
            let lower = key.lowercased()
            return lower.hasPrefix("ce-") || lower.hasPrefix("ce_") || lower.hasPrefix("cloudevents:") || lower.hasPrefix("cloudevents_")
        }) {
            return .deadLetter(delivery, PermanentFailure(
                code: "binary-mode-not-supported",
                reason: "CloudEvents binary mode (attributes in ce-/cloudEvents: headers) is not accepted: send structured mode, "
                    + "the whole event (specversion, id, source, type, time, data...) as the JSON body with content_type "
                    + "application/cloudevents+json"))
        }
        if let contentType = delivery.properties.contentType,
           !["application/cloudevents+json", "application/json"].contains(contentType.split(separator: ";").first.map(String.init) ?? "") {
            return .deadLetter(delivery, PermanentFailure(
                code: "unsupported-content-type",
                reason: "content type \(contentType) is not application/cloudevents+json"))
        }
        let header: EnvelopeHeader
        do {
            header = try WireJSON.decode(EnvelopeHeader.self, from: delivery.body)
        } catch let error as DecodingError {
            if case .dataCorrupted = error, (try? JSONSerialization.jsonObject(with: Data(delivery.body))) == nil {
                return .deadLetter(delivery, PermanentFailure(code: "malformed-json", reason: "body is not valid JSON"))
            }
            return .deadLetter(delivery, PermanentFailure(code: "invalid-envelope", reason: describeDecodingError(error)))
        } catch {
            return .deadLetter(delivery, PermanentFailure(code: "malformed-json", reason: "\(error)"))
        }
        guard header.specversion == "1.0" else {
            return .deadLetter(delivery, PermanentFailure(code: "invalid-envelope",
                                                          reason: "specversion must be 1.0, got \(header.specversion)"))
        }
        guard !header.id.isEmpty, WireText.isCleanIdentifier(header.id) else {
            return .deadLetter(delivery, PermanentFailure(
                code: "invalid-envelope", reason: "id must be 1 to \(WireText.identifierMaxLength) characters without control characters"))
        }
        guard let type = MessageType(cloudEventType: header.type) else {
            return .deadLetter(delivery, PermanentFailure(code: "unknown-type", reason: "type \(header.type) is not a TTHC message type"))
        }
        guard handlers[type] != nil else {
            let majors = handlers.keys.filter { $0.name == type.name }.map(\.major).sorted()
            if !majors.isEmpty {
                return .deadLetter(delivery, PermanentFailure(
                    code: "unsupported-version",
                    reason: "\(type.name) major version \(type.major) is not supported; supported: \(majors.map { "v\($0)" }.joined(separator: ", "))"))
            }
            return .deadLetter(delivery, PermanentFailure(code: "unknown-type", reason: "\(env.configuration.service) does not handle \(header.type)"))
        }
        if let failure = unauthorised(delivery, type: type) { return .deadLetter(delivery, failure) }
        return .handle(IncomingMessage(delivery: delivery, header: header, type: type))
    }

    /// A delivery whose sender may not publish its type, or whose answer would go to a queue the
    /// sender does not own (ARCHITECTURE §2: identities are what the broker verified).
    func unauthorised(_ delivery: Delivery, type: MessageType) -> PermanentFailure? {
        let sender = delivery.properties.verifiedSender
        if let replyTo = delivery.properties.replyTo, env.topology.answersSenders,
           !MessageDirectory.mayAnswer(replyTo, sender: sender) {
            return PermanentFailure(code: "reply-to-not-allowed", reason: "reply_to \(WireText.quote(replyTo)) is not a queue of \(sender ?? "an unknown sender") "
                                        + "(use a queue named \(sender ?? "<your user>").… or RabbitMQ's direct reply-to)")
        }
        // Types outside the contract (a test service's) have no declared publishers to check.
        guard ContractCatalog.payloadTypes[type] != nil else { return nil }
        if queue.bindings.contains(where: { $0.exchange == Exchange.intake }) {
            // A command queue: which integrator or organisation software may send a command is the
            // handler's check (intake's integrators, routing's organisation registry).
            let commands = MessageDirectory.integratorCommands + MessageDirectory.organisationSoftwareCommands
            return commands.contains(type) ? nil
                : PermanentFailure(code: "not-authorised", reason: "\(type) is not a command that may be sent on \(Exchange.intake)")
        }
        let publishers = MessageDirectory.eventPublishers(of: type)
        guard let sender, publishers.contains(sender) else {
            return PermanentFailure(code: "not-authorised", reason: "\(type) may be published only by \(publishers.sorted().joined(separator: ", ")); "
                                        + "this one was published by \(sender ?? "an unidentified user (no user_id)")")
        }
        return nil
    }

    // MARK: Dead letters

    func recordDeadLetter(_ delivery: Delivery, _ failure: PermanentFailure,
                                  tx: PostgresConnection) throws -> OutgoingMessage {
        logger.warning("dead-lettering message", metadata: [
            "messageId": .string(delivery.properties.messageId ?? "?"), "type": .string(delivery.properties.type ?? "?"),
            "code": .string(failure.code), "reason": .string(failure.reason),
        ].merging(Tracing.logMetadata(delivery)) { $1 })
        // Whatever arrived is recorded, so the sender's texts are made storable first.
        let safe = { (text: String?) in text.map { WireText.storable($0) } }
        let (messageId, type, reason) = (safe(delivery.properties.messageId), safe(delivery.properties.type), WireText.storable(failure.reason))
        try tx.execute("""
            INSERT INTO dead_letters (message_id, message_type, error_code, reason, source_queue, body_sha256, body_bytes)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [messageId, type, failure.code, reason, queue.name, sha256Hex(delivery.body), delivery.body.count])
        let props = delivery.properties
        var headers: [String: String] = [
            DeadLetterHeader.reason: reason,
            DeadLetterHeader.errorCode: failure.code,
            DeadLetterHeader.sourceQueue: queue.name,
            DeadLetterHeader.originalExchange: delivery.exchange,
            DeadLetterHeader.originalRoutingKey: delivery.routingKey,
            DeadLetterHeader.deadLetteredAt: WireJSON.formatTimestamp(Date()),
        ]
        // The sender as the broker verified it, kept so a replay is attributed to it: the relay
        // publishes this dead letter as the service itself, which is what makes these headers
        // trustworthy (the operator's replay checks that). A sender's own x-tthc-* headers are dropped.
        headers[DeadLetterHeader.originalUserId] = props.verifiedSender ?? ""
        headers[DeadLetterHeader.originalReplyTo] = props.replyTo
        headers[DeadLetterHeader.originalCorrelationId] = props.correlationId
        for (key, value) in props.headers where !key.hasPrefix("x-tthc-") {
            if let text = value.stringValue, headers[key] == nil { headers[WireText.storable(key, limit: 128)] = WireText.storable(text) }
        }
        if let count = props.headers[DeadLetterHeader.replayCount]?.intValue {
            headers[DeadLetterHeader.replayCount] = String(count)
        }
        return OutgoingMessage(messageId: messageId ?? UUID().uuidString.lowercased(),
                               exchange: Exchange.deadLetter, routingKey: env.configuration.service,
                               type: type ?? "unknown", contentType: safe(props.contentType) ?? "application/octet-stream",
                               correlationId: safe(props.correlationId), headers: headers, body: delivery.body)
    }

    /// The dead letter, recorded, and the answer to its sender when this service answers senders.
    func deadLetterMessages(_ delivery: Delivery, _ failure: PermanentFailure, tx: PostgresConnection) throws -> [OutgoingMessage] {
        let recorded = try recordDeadLetter(delivery, failure, tx: tx)
        guard env.topology.answersSenders, let reply = try deadLetterReply(delivery, failure) else { return [recorded] }
        return [recorded, reply]
    }

    /// Tells the sender why its command was not processed (to `reply_to`, when it asked for answers).
    func deadLetterReply(_ delivery: Delivery, _ failure: PermanentFailure) throws -> OutgoingMessage? {
        let props = delivery.properties
        guard let replyTo = props.replyTo, MessageDirectory.mayAnswer(replyTo, sender: props.verifiedSender) else { return nil }
        let envelope = Envelope(source: "urn:tthc:\(env.configuration.service)", type: .messageDeadLettered, time: env.clock.now,
                                data: MessageDeadLetteredV1(
                                    messageId: props.messageId, errorCode: failure.code, reason: failure.reason,
                                    message: "Thông điệp không được xử lý (\(failure.code)). Thông điệp được lưu lại để xử lý lại sau khi khắc phục."))
        return OutgoingMessage(messageId: envelope.id, exchange: "", routingKey: replyTo, type: envelope.type,
                               contentType: "application/cloudevents+json", correlationId: props.correlationId,
                               headers: [:], body: try WireJSON.encode(envelope))
    }
}
