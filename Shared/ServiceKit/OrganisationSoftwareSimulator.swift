import Contracts
import Foundation
import Messaging
import Synchronization

/// Stands in for organisations' own software (Đ.22) in development, tests and the benchmark: it
/// follows `dossier.step-assigned.v1` for organisations whose code starts with one of `prefixes`
/// and approves each step over AMQP (`dossier.step-decided.v1` on `tthc.intake`), as an officer
/// of that organisation would. Runs on its own thread until stopped.
public final class OrganisationSoftwareSimulator: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let decided = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)

    public var decisions: Int { decided.load(ordering: .relaxed) }

    /// Connects as `user` (an organisation software user) and starts deciding.
    /// `copies` > 1 publishes each decision that many times with distinct message ids, as a
    /// client retrying after a lost confirm would: routing must apply it once.
    public init(url: AMQPURL, prefixes: [String], content: [String: String] = ["nhanXet": "Đồng ý"], copies: Int = 1) throws {
        let listener = try AMQPConnection(url: url, heartbeat: 0, connectionName: "organisation-software")
        let queue = try listener.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try listener.bindQueue(queue, exchange: Exchange.events, routingKey: MessageType.dossierStepAssigned.routingKey)
        try listener.setPrefetch(500)
        try listener.consume(queue: queue)
        let publisher = try AMQPConnection(url: url, heartbeat: 0, connectionName: "organisation-software-decisions")
        try publisher.enableConfirms()
        let user = url.user
        let worker = UncheckedBox((listener, publisher))
        let thread = Thread { [self] in
            let (listener, publisher) = worker.value
            defer {
                listener.close()
                publisher.close()
                self.finished.store(true, ordering: .releasing)
            }
            var pending: [UInt64] = []
            while !self.stopFlag.load(ordering: .relaxed) {
                do {
                    let delivery = try listener.nextDelivery(timeout: 0.05)
                    if let delivery {
                        let assigned = try WireJSON.decode(Envelope<DossierStepAssignedV1>.self, from: delivery.body).data
                        if prefixes.contains(where: { assigned.organisationCode.hasPrefix($0) }) {
                            let decision = DossierStepDecidedV1(
                                dossierCode: assigned.dossierCode, stepNumber: assigned.stepNumber, decision: .approve,
                                reason: nil, decidedBy: Actor(personId: "\(user)-officer", organisationCode: assigned.organisationCode,
                                                              role: "officer"),
                                decidedAt: Date(), content: content)
                            for _ in 0..<max(copies, 1) {
                            let envelope = Envelope(source: "urn:tthc:\(user)", type: .dossierStepDecided,
                                                    subject: assigned.dossierCode, data: decision)
                            try publisher.publish(exchange: Exchange.intake, routingKey: MessageType.dossierStepDecided.routingKey,
                                                  body: try WireJSON.encode(envelope),
                                                  properties: MessageProperties(messageId: envelope.id, type: envelope.type,
                                                                                contentType: "application/cloudevents+json",
                                                                                appId: user, userId: user, timestamp: Date()))
                            }
                            self.decided.add(1, ordering: .relaxed)
                        }
                        pending.append(delivery.deliveryTag)
                    }
                    // Confirm the decisions, then ack the assignments they answer, in batches.
                    if pending.count >= 200 || (delivery == nil && !pending.isEmpty) {
                        try publisher.waitForConfirms()
                        try listener.ack(pending.last!, multiple: true)
                        pending.removeAll()
                    }
                } catch {
                    FileHandle.standardError.write(Data("organisation software simulator: \(error)\n".utf8))
                    return
                }
            }
        }
        thread.start()
    }

    /// Stops the thread and waits (up to 10 s) for it to close its connections.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        let deadline = Date().addingTimeInterval(10)
        while !finished.load(ordering: .acquiring) && Date() < deadline { usleep(10_000) }
    }
}

/// Hands non-Sendable connections to the one thread that uses them.
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
