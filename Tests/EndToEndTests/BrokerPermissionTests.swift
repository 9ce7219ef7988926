import Contracts
import Foundation
import Messaging
import ServiceKit
import TestSupport
import XCTest

/// Who may publish, bind, read and configure what, against the real broker loaded with the
/// generated definitions (issue 11 §3): every cell a user must not use is refused with 403, and
/// what it needs still works.
final class BrokerPermissionTests: XCTestCase {
    enum Attempt: CustomStringConvertible {
        case publish(exchange: String, routingKey: String)
        case bind(queue: String, exchange: String, routingKey: String)
        case consume(queue: String)
        case declareExchange(String)
        case deleteExchange(String)
        case declareQueue(String)

        var description: String {
            switch self {
            case .publish(let e, let k): "publish to \(e.isEmpty ? "(default)" : e) with \(k)"
            case .bind(let q, let e, let k): "bind \(q) to \(e) with \(k)"
            case .consume(let q): "consume \(q)"
            case .declareExchange(let e): "declare exchange \(e)"
            case .deleteExchange(let e): "delete exchange \(e)"
            case .declareQueue(let q): "declare queue \(q)"
            }
        }
    }

    /// Runs one attempt on a fresh connection; true when the broker refused it with 403.
    func refused(_ user: String, _ attempt: Attempt) throws -> Bool {
        let amqp = try TestEnvironment.amqp(user: user, confirms: true)
        defer { amqp.close() }
        do {
            switch attempt {
            case .publish(let exchange, let key):
                try amqp.publish(exchange: exchange, routingKey: key, body: Array("{}".utf8), properties: MessageProperties(userId: user))
                try amqp.waitForConfirms(timeout: 10)
            case .bind(let queue, let exchange, let key):
                try amqp.bindQueue(queue, exchange: exchange, routingKey: key)
            case .consume(let queue):
                try amqp.consume(queue: queue)
                _ = try amqp.nextDelivery(timeout: 0.2)
            case .declareExchange(let name):
                try amqp.declareExchange(name, type: "topic")
            case .deleteExchange(let name):
                try amqp.deleteExchange(name)
            case .declareQueue(let name):
                try amqp.declareQueue(name, durable: false, exclusive: true, autoDelete: true)
            }
            return false
        } catch let error as AMQPError where error.isAccessRefused {
            return true
        }
    }

    func assertRefused(_ user: String, _ attempts: [Attempt], file: StaticString = #filePath, line: UInt = #line) throws {
        for attempt in attempts {
            XCTAssertTrue(try refused(user, attempt), "\(user) may not \(attempt)", file: file, line: line)
        }
    }

    func assertAllowed(_ user: String, _ attempts: [Attempt], file: StaticString = #filePath, line: UInt = #line) throws {
        for attempt in attempts {
            XCTAssertFalse(try refused(user, attempt), "\(user) must be able to \(attempt)", file: file, line: line)
        }
    }

    func testEachServiceWritesOnlyItsOwnEventsAndDeadLettersAndConfiguresNoSharedExchange() throws {
        let all = MessageDirectory.services
        let eventTypes = Set(ContractCatalog.payloadTypes.keys)
        for service in all {
            let user = service.amqpUser
            let others = all.filter { $0.name != service.name }
            // Its own queue, to try bindings with.
            let own = "\(service.name).permission-test-\(UUID().uuidString.prefix(8))"
            var refusedAttempts: [Attempt] = eventTypes.subtracting(service.emits).sorted { $0.routingKey < $1.routingKey }
                .map { .publish(exchange: Exchange.events, routingKey: $0.routingKey) }
            refusedAttempts += others.flatMap { other -> [Attempt] in [
                .publish(exchange: Exchange.deadLetter, routingKey: other.name),
                .bind(queue: own, exchange: Exchange.deadLetter, routingKey: other.name),
                .consume(queue: "\(other.name).dead-letter"),
                .consume(queue: "\(other.name).events"),
                .declareQueue("\(other.name).stolen"),
            ] }
            refusedAttempts += [Exchange.events, Exchange.deadLetter, Exchange.intake, Exchange.organisations, Exchange.integrators].flatMap {
                [Attempt.declareExchange($0), .deleteExchange($0)]
            }
            refusedAttempts += [.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey),
                                .bind(queue: own, exchange: Exchange.organisations, routingKey: "#"),
                                .bind(queue: own, exchange: Exchange.integrators, routingKey: "#")]
            if service.toIntegrators.isEmpty {
                refusedAttempts.append(.publish(exchange: Exchange.integrators, routingKey: "portal-test.dossier.accepted.v1"))
            }
            if service.answers.isEmpty {
                refusedAttempts.append(.publish(exchange: "", routingKey: "validation.dossiers"))
            }
            let setup = try TestEnvironment.amqp(user: user)
            try setup.declareQueue(own, durable: false, autoDelete: false)
            setup.close()
            defer { if let admin = try? TestEnvironment.amqp() { try? admin.deleteQueue(own); admin.close() } }
            try assertRefused(user, refusedAttempts)
            try assertAllowed(user, service.emits.map { .publish(exchange: Exchange.events, routingKey: $0.routingKey) }
                              + [.publish(exchange: Exchange.deadLetter, routingKey: service.name),
                                 .bind(queue: own, exchange: Exchange.deadLetter, routingKey: service.name),
                                 .bind(queue: own, exchange: Exchange.events, routingKey: "dossier.#")]
                              + service.toIntegrators.map { .publish(exchange: Exchange.integrators, routingKey: "portal-test.\($0.routingKey)") })
        }
    }

    func testIntegratorsSendOnlyTheirCommandsAndReadOnlyTheirOwnQueues() throws {
        let feed = "portal-test.feed.permission-\(UUID().uuidString.prefix(8))"
        let setup = try TestEnvironment.amqp(user: "portal-test")
        try setup.declareQueue(feed, durable: false, autoDelete: true)
        defer { setup.close() }
        try assertRefused("portal-test", [
            // Its feed carries only its own dossiers' events: no other integrator's prefix, no wildcard.
            .bind(queue: feed, exchange: Exchange.integrators, routingKey: "#"),
            .bind(queue: feed, exchange: Exchange.integrators, routingKey: "portal-demo.#"),
            .bind(queue: feed, exchange: Exchange.integrators, routingKey: "*.dossier.accepted.v1"),
            .publish(exchange: Exchange.integrators, routingKey: "portal-test.dossier.accepted.v1"),
            .bind(queue: feed, exchange: Exchange.organisations, routingKey: "#"),
            .publish(exchange: Exchange.events, routingKey: MessageType.dossierAccepted.routingKey),
            .publish(exchange: Exchange.intake, routingKey: MessageType.dossierStepDecided.routingKey),
            .publish(exchange: Exchange.intake, routingKey: MessageType.dossierReceived.routingKey),
            .publish(exchange: "", routingKey: "intake.commands"),
            .publish(exchange: Exchange.deadLetter, routingKey: "intake"),
            .declareQueue("portal-demo.replies.stolen"),
            .declareQueue("intake.replies"),
            .consume(queue: "intake.dead-letter"),
            .consume(queue: "intake.commands"),
            .bind(queue: "portal-test.replies.x", exchange: Exchange.events, routingKey: "#"),
            .declareExchange(Exchange.intake), .deleteExchange(Exchange.intake),
        ])
        try assertAllowed("portal-test", [
            .publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey),
            .declareQueue("portal-test.replies.\(UUID().uuidString)"),
            .bind(queue: feed, exchange: Exchange.integrators, routingKey: "portal-test.#"),
        ])
    }

    func testOrganisationSoftwareDecidesStepsAndReadsOnlyItsOwnCopies() throws {
        let queue = "org-software.org-software-test.permission-\(UUID().uuidString.prefix(8))"
        let setup = try TestEnvironment.amqp(user: "org-software-test")
        try setup.declareQueue(queue, durable: false, autoDelete: true)
        defer { setup.close() }
        try assertRefused("org-software-test", [
            .bind(queue: queue, exchange: Exchange.events, routingKey: "#"),
            .bind(queue: queue, exchange: Exchange.events, routingKey: MessageType.dossierStepAssigned.routingKey),
            .bind(queue: queue, exchange: Exchange.organisations, routingKey: "#"),
            .bind(queue: queue, exchange: Exchange.organisations, routingKey: "org-software-demo.#"),
            .publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey),
            .publish(exchange: Exchange.events, routingKey: MessageType.dossierStepDecided.routingKey),
            .publish(exchange: Exchange.organisations, routingKey: "org-software-test.dossier.step-assigned.v1"),
        ])
        try assertAllowed("org-software-test", [
            .bind(queue: queue, exchange: Exchange.organisations, routingKey: "org-software-test.#"),
            .publish(exchange: Exchange.intake, routingKey: MessageType.dossierStepDecided.routingKey),
        ])
    }

    func testRegistriesPublishOnlyTheirOwnRecords() throws {
        try assertRefused("member-registry", [
            .publish(exchange: Exchange.events, routingKey: MessageType.memberTransferred.routingKey),
            .publish(exchange: Exchange.events, routingKey: MessageType.organisationRegistered.routingKey),
            .publish(exchange: Exchange.events, routingKey: MessageType.dossierAccepted.routingKey),
            .publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey),
            .declareQueue("member-registry.x"),
        ])
        try assertRefused("organisation-registry", [
            .publish(exchange: Exchange.events, routingKey: MessageType.memberRegistered.routingKey),
        ])
        try assertAllowed("member-registry", [.publish(exchange: Exchange.events, routingKey: MessageType.memberRegistered.routingKey)])
        try assertAllowed("organisation-registry", [
            .publish(exchange: Exchange.events, routingKey: MessageType.organisationUpdated.routingKey)])
    }

    /// The committed definitions are the ones the directory generates.
    func testTheCommittedDefinitionsAreGeneratedFromTheMessageDirectory() throws {
        let committed = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/rabbitmq/definitions.json"),
                                   encoding: .utf8)
        XCTAssertEqual(committed, try BrokerDefinitions.json(),
                       "run: swift run tthc-admin broker-definitions > Deploy/rabbitmq/definitions.json")
    }
}
