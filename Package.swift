// swift-tools-version:6.2
import PackageDescription

// TTHC: six services talking over AMQP, each with its own PostgreSQL schema.
// Layout: ../shared/ARCHITECTURE.md §1.

let services: [(name: String, product: String)] = [
    ("Intake", "tthc-intake"),
    ("Validation", "tthc-validation"),
    ("Routing", "tthc-routing"),
    ("Payment", "tthc-payment"),
    ("Notification", "tthc-notification"),
    ("Archive", "tthc-archive"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")

var targets: [Target] = [
    .systemLibrary(name: "CRabbitMQ", path: "Shared/CRabbitMQ", pkgConfig: "librabbitmq",
                   providers: [.apt(["librabbitmq-dev"])]),
    .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
                   providers: [.apt(["libpq-dev"])]),
    .systemLibrary(name: "COpenSSL", path: "Shared/COpenSSL", pkgConfig: "openssl",
                   providers: [.apt(["libssl-dev"])]),
    .target(name: "Contracts", dependencies: ["Calendar"], path: "Shared/Contracts",
            exclude: ["Schemas", "Examples"], resources: [.copy("Catalog"), .copy("FeedbackRules")]),
    .target(name: "Calendar", path: "Shared/Calendar", resources: [.copy("Holidays"), .copy("OfficeHours")]),
    .target(name: "Messaging", dependencies: ["CRabbitMQ", "Contracts", log,
                                              .product(name: "W3CTraceContext", package: "swift-w3c-trace-context")],
            path: "Shared/Messaging"),
    .target(name: "Signatures", dependencies: ["COpenSSL"], path: "Shared/Signatures"),
    // Paper copies of results (Đ.21): QR codes by libqrencode, PDF by cairo (fonts from fontconfig).
    .systemLibrary(name: "CQRencode", path: "Shared/CQRencode", pkgConfig: "libqrencode",
                   providers: [.apt(["libqrencode-dev"])]),
    .systemLibrary(name: "CCairo", path: "Shared/CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
    .target(name: "PaperCopies", dependencies: ["CQRencode", "CCairo"], path: "Shared/PaperCopies"),
    // Payment gateways' protocols (VNPay 2.1.0), shared by payment and the gateway sandbox.
    .target(name: "PaymentGateways", dependencies: [.product(name: "Crypto", package: "swift-crypto")], path: "Shared/PaymentGateways"),
    .testTarget(name: "PaymentGatewaysTests", dependencies: ["PaymentGateways"], path: "Tests/PaymentGatewaysTests"),
    // Test tooling: plays the payment gateway (redirect, signed IPN calls with retries, querydr).
    // SMS gateways' protocols (brandname SMS), shared by notification and the gateway sandbox.
    .target(name: "SMSGateways", dependencies: [.product(name: "Crypto", package: "swift-crypto")], path: "Shared/SMSGateways"),
    // E-mail through a mail server: libcurl's SMTP (STARTTLS, authentication).
    .systemLibrary(name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .target(name: "Mail", dependencies: ["CCurl"], path: "Shared/Mail"),
    .executableTarget(name: "GatewaySandbox",
                      dependencies: ["PaymentGateways", "SMSGateways", "Contracts", "ServiceKit", .product(name: "Hummingbird", package: "hummingbird")],
                      path: "Tools/GatewaySandbox"),
    .target(name: "Persistence", dependencies: ["CLibPQ", "Signatures", "Calendar", log], path: "Shared/Persistence"),
    .target(name: "ServiceKit",
            dependencies: [
                "Contracts", "Messaging", "Persistence", "Signatures", log,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Spans over OTLP/HTTP when asked (TraceExport), through swift-distributed-tracing's API.
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Shared/ServiceKit"),
    .executableTarget(name: "Admin",
                      dependencies: ["ServiceKit", "Development", "Contracts", "Messaging", "Persistence", "Signatures", "Calendar",
                                     // The contract kit checks messages with validation's own rules.
                                     "ValidationRules", "NotificationRules", "SMSGateways",
                                     .product(name: "ArgumentParser", package: "swift-argument-parser")],
                      path: "Tools/Admin"),
    .executableTarget(name: "Bench",
                      dependencies: ["ServiceKit", "Development", "Contracts", "Messaging", "Persistence", "Signatures", "PaymentGateways", "Mail",
                                     .product(name: "ArgumentParser", package: "swift-argument-parser")],
                      path: "Benchmarks", exclude: ["cpu-per-dossier.sh", "intake-http.lua", "intake-http.sh", "result-signing.sh", "documents.sh"]),
    // Development only: fixtures (members, organisations, sample dossiers) and the organisations'
    // software simulator, for Tools/, Benchmarks/ and Tests/ — never linked into a service.
    .target(name: "Development", dependencies: ["Contracts", "Messaging", "Persistence", "Signatures", "Calendar"],
            path: "Shared/Development"),
    .target(name: "TestSupport", dependencies: ["ServiceKit", "Contracts", "Messaging", "Persistence", "Signatures", "Development"],
            path: "Tests/TestSupport"),
    .testTarget(name: "ContractsTests", dependencies: ["Contracts"], path: "Tests/ContractsTests"),
    .testTarget(name: "CalendarTests", dependencies: ["Calendar"], path: "Tests/CalendarTests"),
    .testTarget(name: "SignaturesTests", dependencies: ["Signatures", "TestSupport"], path: "Tests/SignaturesTests"),
    .testTarget(name: "PaperCopiesTests", dependencies: ["PaperCopies", "TestSupport"], path: "Tests/PaperCopiesTests"),
    .testTarget(name: "PersistenceTests", dependencies: ["Persistence", "TestSupport"], path: "Tests/PersistenceTests"),
    .testTarget(name: "MessagingTests", dependencies: ["Messaging", "TestSupport"], path: "Tests/MessagingTests"),
    .testTarget(name: "ServiceKitTests", dependencies: ["ServiceKit", "TestSupport",
                                                     .product(name: "PropertyBased", package: "swift-property-based")],
                path: "Tests/ServiceKitTests"),
    .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "ServiceKit", "Contracts", "Messaging", "Persistence", "Calendar",
                                                      "PaymentGateways", "SMSGateways"],
                path: "Tests/EndToEndTests"),
]

var products: [Product] = [
    .executable(name: "tthc-admin", targets: ["Admin"]),
    .executable(name: "tthc-bench", targets: ["Bench"]),
    .executable(name: "tthc-gateway-sandbox", targets: ["GatewaySandbox"]),
]

// A service's pure domain rules, when it has some, are a library beside it (`Services/<Name>/Rules`)
// so that unit tests reach them without servers.
let serviceRules: [String: [Target.Dependency]] = [
    "Validation": ["Contracts", "Calendar", "Signatures", .product(name: "Crypto", package: "swift-crypto")],
    "Routing": ["Contracts", "Calendar"],
    "Payment": ["Contracts"],
    // Notices' templates (data, swift-mustache) and delivery rules; tthc-admin previews the templates.
    "Notification": ["Contracts", "Calendar", "SMSGateways", .product(name: "Mustache", package: "swift-mustache")],
]
for (service, dependencies) in serviceRules {
    let resources: [Resource] = service == "Notification" ? [.copy("Templates")] : []
    targets.append(.target(name: "\(service)Rules", dependencies: dependencies, path: "Services/\(service)/Rules", resources: resources))
    targets.append(.testTarget(name: "\(service)Tests", dependencies: [.target(name: "\(service)Rules"), "TestSupport"]
                                   + (service == "Notification" ? ["SMSGateways", "Mail"] : []),
                               path: "Tests/\(service)Tests"))
}

// Libraries only one service needs.
let serviceLibraries: [String: [Target.Dependency]] = ["Archive": ["PaperCopies"], "Payment": ["PaymentGateways"],
                                                      "Notification": ["Mail", "SMSGateways"]]

for service in services {
    let rules = serviceRules[service.name] != nil
    targets.append(.executableTarget(
        name: "\(service.name)Service",
        dependencies: ["ServiceKit", "Contracts", "Messaging", "Persistence", "Calendar", "Signatures",
                       .product(name: "Hummingbird", package: "hummingbird"),
                       .product(name: "HTTPTypes", package: "swift-http-types")]
            + (rules ? [.target(name: "\(service.name)Rules")] : []) + (serviceLibraries[service.name] ?? []),
        path: "Services/\(service.name)",
        exclude: rules ? ["Rules"] : [],
        resources: [.copy("Migrations")]))
    products.append(.executable(name: service.product, targets: ["\(service.name)Service"]))
}

let package = Package(
    name: "tthc",
    platforms: [.macOS(.v15)],
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context", from: "1.0.0"),
        // OTLP/HTTP only: the gRPC exporter's stack is not built.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
