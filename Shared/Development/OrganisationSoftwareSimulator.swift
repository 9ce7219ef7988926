import Contracts
import Foundation
import Messaging
import Synchronization

/// Stands in for organisations' own software (Đ.22) in development, tests and the benchmark: it
/// follows `dossier.step-assigned.v1` for organisations whose code starts with one of `prefixes`
/// and approves each step over AMQP (`dossier.step-decided.v1` on `tthc.intake`), as an officer
/// of that organisation would. Like real software it keeps a durable queue
/// (`org-software.<user>.<first prefix>`) and reconnects after a broker restart; assignments are
/// acked only after their decisions are confirmed, so a restart repeats decisions, never loses them.
public final class OrganisationSoftwareSimulator: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let decided = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)
    private let url: AMQPURL
    private let queue: String

    public var decisions: Int { decided.load(ordering: .relaxed) }

    /// `copies` > 1 publishes each decision that many times with distinct message ids, as a
    /// client retrying after a lost confirm would: routing must apply it once.
    /// `decision`: what every step gets (approve; return or refuse with a Vietnamese reason, to
    /// show an integrator those outcomes).
    public init(url: AMQPURL, prefixes: [String], content: [String: String] = ["nhanXet": "Đồng ý"], copies: Int = 1,
                decision: DossierStepDecidedV1.Decision = .approve) throws {
        self.url = url
        queue = "org-software.\(url.user).\(prefixes.first ?? "all")"
        // The queue exists before the first assignment is emitted.
        let setup = try Self.connect(url: url, queue: queue)
        setup.listener.close()
        setup.publisher.close()
        let thread = Thread { [self] in
            defer { self.finished.store(true, ordering: .releasing) }
            while !self.stopFlag.load(ordering: .relaxed) {
                do {
                    let (listener, publisher) = try Self.connect(url: self.url, queue: self.queue)
                    defer {
                        listener.close()
                        publisher.close()
                    }
                    try self.decide(listener: listener, publisher: publisher, prefixes: prefixes, content: content, copies: copies,
                                    decision: decision)
                } catch {
                    // Broker restarting: try again shortly.
                    Thread.sleep(forTimeInterval: 0.5)
                }
            }
        }
        thread.start()
    }

    static func connect(url: AMQPURL, queue: String) throws -> (listener: AMQPConnection, publisher: AMQPConnection) {
        let listener = try AMQPConnection(url: url, heartbeat: 0, connectionName: "organisation-software")
        // Durable so a broker restart loses no assignment; expiring so the queue of a simulator
        // that was killed (a bench cut short) stops collecting every assignment two minutes later.
        try listener.declareQueue(queue, durable: true, arguments: ["x-expires": .int(120_000)])
        // Its own copies only: routing sends `<user>.dossier.step-assigned.v1` for the organisations
        // whose record names this user; the broker lets it bind no other prefix.
        try listener.bindQueue(queue, exchange: Exchange.organisations, routingKey: "\(url.user).\(MessageType.dossierStepAssigned.routingKey)")
        try listener.setPrefetch(500)
        try listener.consume(queue: queue)
        let publisher = try AMQPConnection(url: url, heartbeat: 0, connectionName: "organisation-software-decisions")
        try publisher.enableConfirms()
        return (listener, publisher)
    }

    static func reason(for decision: DossierStepDecidedV1.Decision) -> String? {
        switch decision {
        case .approve, .forward: nil
        case .returnForSupplement: "Bản tự kiểm điểm chưa có nhận xét của chi ủy; đề nghị bổ sung (mô phỏng)."
        case .refuse: "Đảng viên chưa đủ điều kiện chuyển sinh hoạt đảng theo quy định (mô phỏng)."
        }
    }

    private func decide(listener: AMQPConnection, publisher: AMQPConnection, prefixes: [String], content: [String: String],
                        copies: Int, decision kind: DossierStepDecidedV1.Decision) throws {
        let user = url.user
        var pending: [UInt64] = []
        while !stopFlag.load(ordering: .relaxed) {
            let delivery = try listener.nextDelivery(timeout: 0.05)
            if let delivery {
                let assigned = try WireJSON.decode(Envelope<DossierStepAssignedV1>.self, from: delivery.body).data
                if prefixes.contains(where: { assigned.organisationCode.hasPrefix($0) }) {
                    // As organisations' software should: the decision continues the assignment's trace.
                    let trace: [String: AMQPValue] = ["traceparent": .string(Tracing.child(of: delivery.properties.headers["traceparent"]?.stringValue))]
                    let decision = DossierStepDecidedV1(
                        dossierCode: assigned.dossierCode, stepNumber: assigned.stepNumber, decision: kind, reason: Self.reason(for: kind),
                        decidedBy: Actor(personId: "\(user)-officer", organisationCode: assigned.organisationCode, role: "officer"),
                        decidedAt: Date(), content: content)
                    for _ in 0..<max(copies, 1) {
                        let envelope = Envelope(source: "urn:tthc:\(user)", type: .dossierStepDecided,
                                                subject: assigned.dossierCode, data: decision)
                        try publisher.publish(exchange: Exchange.intake, routingKey: MessageType.dossierStepDecided.routingKey,
                                              body: try WireJSON.encode(envelope),
                                              properties: MessageProperties(messageId: envelope.id, type: envelope.type,
                                                                            contentType: "application/cloudevents+json",
                                                                            appId: user, userId: user, timestamp: Date(),
                                                                            headers: trace))
                    }
                    decided.add(1, ordering: .relaxed)
                }
                pending.append(delivery.deliveryTag)
            }
            // Confirm the decisions, then ack the assignments they answer, in batches.
            if pending.count >= 200 || (delivery == nil && !pending.isEmpty) {
                try publisher.waitForConfirms()
                try listener.ack(pending.last!, multiple: true)
                pending.removeAll()
            }
        }
    }

    /// Stops the thread, waits (up to 10 s) for it to close its connections, and deletes the queue.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        let deadline = Date().addingTimeInterval(10)
        while !finished.load(ordering: .acquiring) && Date() < deadline { usleep(10_000) }
        if let connection = try? AMQPConnection(url: url, heartbeat: 0) {
            try? connection.deleteQueue(queue)
            connection.close()
        }
    }
}
