import ArgumentParser
import Contracts
import Foundation
import Messaging
import Development
import ServiceKit

/// tthc-admin: the operator's tool. Lists, inspects and replays dead letters; publishes a sample dossier.
@main
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tthc-admin", abstract: "Operate TTHC: dead letters, the development world and sample dossiers.",
        subcommands: [DeadLetters.self, SubmitSample.self, Members.self, Organisations.self, Certificates.self, Tokens.self,
                      Results.self, Notices.self, ContractsCommand.self, BrokerDefinitionsCommand.self, AuditCommand.self, Reconcile.self])
}

/// The development broker (TTHC_AMQP_HOST, TTHC_AMQP_PORT) as `user`, whose password is its name
/// in development (`Deploy/rabbitmq/definitions.json`).
func developmentAMQPURL(user: String) -> String {
    let environment = ProcessInfo.processInfo.environment
    return "amqp://\(user):\(user)@\(environment["TTHC_AMQP_HOST"] ?? "127.0.0.1"):\(environment["TTHC_AMQP_PORT"] ?? "5672")/tthc"
}

struct Connection: ParsableArguments {
    @Option(help: "AMQP URL of the operator (env TTHC_ADMIN_AMQP_URL).")
    var amqpURL: String = ProcessInfo.processInfo.environment["TTHC_ADMIN_AMQP_URL"]
        ?? developmentAMQPURL(user: "tthc-admin")

    func open() throws -> AMQPConnection { try AMQPConnection(url: AMQPURL(amqpURL), heartbeat: 0) }
}

struct DeadLetters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters", abstract: "List, show and replay a service's dead letters.",
        subcommands: [List.self, Show.self, Replay.self])

    /// Reads every message of the queue without acknowledging: closing the connection puts them back.
    static func browse(_ connection: AMQPConnection, service: String) throws -> [Delivery] {
        var deliveries: [Delivery] = []
        while let delivery = try connection.get(queue: "\(service).dead-letter") { deliveries.append(delivery) }
        return deliveries
    }

    static func header(_ d: Delivery, _ key: String) -> String? { d.properties.headers[key]?.stringValue }

    /// Where the message was consumed from: our header, or the broker's delivery-limit x-death.
    static func sourceQueue(_ d: Delivery) -> String? {
        header(d, DeadLetterHeader.sourceQueue) ?? header(d, "x-first-death-queue")
    }

    static func reason(_ d: Delivery) -> String {
        if let code = header(d, DeadLetterHeader.errorCode) {
            return "\(code): \(header(d, DeadLetterHeader.reason) ?? "")"
        }
        return "broker: \(header(d, "x-first-death-reason") ?? "unknown")"
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per dead letter: id, type, reason.")
        @OptionGroup var connection: Connection
        @Option(help: "Service whose dead-letter queue to read.") var service: String

        func run() throws {
            let amqp = try connection.open()
            defer { amqp.close() }
            let deliveries = try DeadLetters.browse(amqp, service: service)
            for d in deliveries {
                print([d.properties.messageId ?? "-", d.properties.type ?? "-",
                       DeadLetters.sourceQueue(d) ?? "-", DeadLetters.reason(d)].joined(separator: "\t"))
            }
            print("\(deliveries.count) dead letter(s) in \(service).dead-letter")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Headers and body of one dead letter.")
        @OptionGroup var connection: Connection
        @Option var service: String
        @Option(help: "The message id.") var messageId: String

        func run() throws {
            let amqp = try connection.open()
            defer { amqp.close() }
            guard let d = try DeadLetters.browse(amqp, service: service).first(where: { $0.properties.messageId == messageId })
            else { throw ValidationError("no dead letter with id \(messageId) in \(service).dead-letter") }
            print("message-id: \(messageId)\ntype: \(d.properties.type ?? "-")\nreason: \(DeadLetters.reason(d))")
            for (key, value) in d.properties.headers.sorted(by: { $0.key < $1.key }) { print("header \(key): \(value)") }
            print("body (\(d.body.count) bytes):")
            print(String(decoding: d.body.prefix(64 * 1024), as: UTF8.self))
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish dead letters back to the queue they came from (after the cause is fixed).")
        @OptionGroup var connection: Connection
        @Option var service: String
        @Option(help: "Replay only this message id.") var messageId: String?
        @Flag(help: "Replay every dead letter of the service.") var all = false

        func run() throws {
            guard all || messageId != nil else { throw ValidationError("give --message-id ID or --all") }
            let amqp = try connection.open()
            defer { amqp.close() }
            try amqp.enableConfirms()
            var replayed = 0
            for d in try DeadLetters.browse(amqp, service: service) where all || d.properties.messageId == messageId {
                // Republished as its original sender (the operator's user is an impersonator).
                let queue: String, props: MessageProperties
                switch DeadLetterReplay.plan(d, service: service) {
                case .replay(let target, let properties): (queue, props) = (target, properties)
                case .refuse(let why):
                    print("skipped \(d.properties.messageId ?? "-"): \(why)")
                    continue
                }
                try amqp.publish(exchange: "", routingKey: queue, body: d.body, properties: props)
                try amqp.waitForConfirms()
                try amqp.ack(d.deliveryTag)
                replayed += 1
                print("replayed \(d.properties.messageId ?? "-") to \(queue)")
            }
            print("\(replayed) dead letter(s) replayed")
        }
    }
}

struct SubmitSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-sample", abstract: "Publish sample dossier.submit.v1 messages as an integrator.")
    @Option(help: "Integrator AMQP URL.") var amqpURL: String =
        developmentAMQPURL(user: "portal-demo")
    @Option(help: "How many dossiers.") var count = 1
    @Option(help: "Receiving organisation code (default: each member's own cell, as the procedure requires).")
    var organisation: String?

    func run() throws {
        let url = try AMQPURL(amqpURL)
        let amqp = try AMQPConnection(url: url, heartbeat: 0)
        defer { amqp.close() }
        try amqp.enableConfirms()
        for i in 0..<count {
            // Members of the generated registry (`tthc-admin members load-fixture`).
            let submit = SampleDossier.submit(organisation: organisation, member: MemberFixture.member(number: i + 1))
            let message = try SampleDossier.message(submit, userId: url.user)
            try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey,
                             body: message.body, properties: message.properties)
            if i % 500 == 499 { try amqp.waitForConfirms() }
            if count <= 10 { print("submitted \(submit.clientSubmissionId)") }
        }
        try amqp.waitForConfirms()
        print("\(count) dossier(s) submitted to \(Exchange.intake) as \(url.user)")
        if SampleDossier.signing == nil {
            print("warning: no development signing CA (TTHC_DEV_SIGNING_DIRECTORY, \(SampleDossier.defaultSigningDirectory)): "
                  + "the components are unsigned and validation will ask for a supplement")
        }
    }
}

struct Members: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "The member registry (Cơ sở dữ liệu đảng viên) that validation replicates.",
        subcommands: [LoadFixture.self])

    struct LoadFixture: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-fixture",
            abstract: "Publish a generated registry (members DV0000001…, provinces HN and HCM, 25 to a cell) as member.registered.v1.")
        @Option(help: "Registry AMQP URL (a user allowed to publish member.* events).") var amqpURL: String =
            developmentAMQPURL(user: "member-registry")
        @Option(help: "How many members.") var count = 10_000
        // A completed transfer moves a member in the replicas; loading again puts every member back
        // in its fixture cell, as a newer registry revision (the time now) than any before.
        @Option(help: "The records' revision (default: the Unix time now, newer than any earlier load).")
        var revision = Int(Date().timeIntervalSince1970)

        func run() throws {
            let url = try AMQPURL(amqpURL)
            let amqp = try AMQPConnection(url: url, heartbeat: 0)
            defer { amqp.close() }
            try amqp.enableConfirms()
            let members = (1...max(count, 1)).map { number in
                var member = MemberFixture.member(number: number)
                member.revision = revision
                return member
            }
            try MemberFixture.publishRegistered(members, on: amqp, user: url.user)
            let cells = Set(members.map(\.organisationCode))
            print("\(members.count) members in \(cells.count) cells of \(MemberFixture.provinces.map(\.code).joined(separator: ", ")) published as member.registered.v1")
        }
    }
}

struct Organisations: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "organisations", abstract: "The organisation registry (tổ chức đảng) that routing replicates.",
        subcommands: [LoadFixture.self, Simulate.self])

    /// Stands in for the organisations' own software in a development world, so that a sample
    /// dossier goes all the way to its result without an officer.
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "simulate",
            abstract: "Decide every step assigned to the generated organisations, as their own software would over AMQP (Đ.22), until interrupted.")
        @Option(help: "AMQP URL of the organisations' software user (the one load-fixture names).") var amqpURL: String =
            developmentAMQPURL(user: "org-software-demo")
        @Option(help: "Organisation code prefixes whose steps to decide.") var prefix: [String] = MemberFixture.provinces.map(\.code)
        @Option(help: "Stop after this many decisions (0: run until interrupted).") var decisions = 0
        @Option(help: "What every step gets: approve, return (for a supplement) or refuse.") var decide: StepDecision = .approve

        enum StepDecision: String, ExpressibleByArgument {
            case approve, `return`, refuse
            var decision: DossierStepDecidedV1.Decision {
                switch self {
                case .approve: .approve
                case .return: .returnForSupplement
                case .refuse: .refuse
                }
            }
        }

        func run() throws {
            let url = try AMQPURL(amqpURL)
            let simulator = try OrganisationSoftwareSimulator(url: url, prefixes: prefix, decision: decide.decision)
            // Its queue exists from here on: steps assigned from now are copied to it.
            say("deciding \(decide.rawValue) on the steps of \(prefix.joined(separator: ", ")) as \(url.user); Ctrl-C to stop")
            var reported = 0
            while decisions == 0 || simulator.decisions < decisions {
                Thread.sleep(forTimeInterval: 0.2)  // a progress line, not a synchronisation
                if simulator.decisions != reported {
                    reported = simulator.decisions
                    say("\(reported) step(s) decided (\(decide.rawValue))")
                }
            }
            simulator.stop()
        }

        /// Unbuffered, so that a log file or a pipe shows progress as it happens.
        func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }

    struct LoadFixture: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-fixture",
            abstract: "Publish the generated tree (provinces HN and HCM: committees, boards, communes/wards, grassroots organisations, sections, cells HN.CB0001…) as organisation.registered.v1, and write each organisation's development signing key for archive (TTHC_ORGANISATION_KEYS_DIRECTORY).")
        @Option(help: "Registry AMQP URL (a user allowed to publish organisation.* events).") var amqpURL: String =
            developmentAMQPURL(user: "organisation-registry")
        @Option(help: "AMQP user of the organisations' own software (decides steps over AMQP).") var softwareUser = "org-software-demo"

        func run() throws {
            let url = try AMQPURL(amqpURL)
            let amqp = try AMQPConnection(url: url, heartbeat: 0)
            defer { amqp.close() }
            try amqp.enableConfirms()
            let tree = OrganisationFixture.tree(softwareUser: softwareUser)
            try RegistryPublisher.publish(tree, as: .organisationRegistered, subject: \.code, on: amqp, user: url.user)
            let kinds = Dictionary(grouping: tree, by: \.kind).mapValues(\.count)
            print("\(tree.count) organisations published as organisation.registered.v1: "
                  + OrganisationRecord.Kind.allCases.map { "\(kinds[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
            // Archive signs each organisation's results with its own key (development keys here).
            let written = try DevelopmentOrganisationKeys.issue(tree.map(\.code))
            print("\(written) organisations' development signing keys written to \(DevelopmentOrganisationKeys.directory.path)")
        }
    }
}

struct BrokerDefinitionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker-definitions",
        abstract: "Print the RabbitMQ definitions generated from the message directory (Deploy/rabbitmq/definitions.json).")

    func run() throws {
        print(try BrokerDefinitions.json(), terminator: "")
    }
}
