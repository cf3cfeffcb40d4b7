// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tollgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Traces over OTLP/HTTP only: the gRPC exporter's packages are left out of the build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Exact decimals as text, fast: shared by money (Pricing) and the wire (OpenAIWire).
        .target(name: "ExactDecimal"),
        .target(
            name: "OpenAIWire",
            dependencies: ["ExactDecimal", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(name: "Pricing", dependencies: ["ExactDecimal"], plugins: ["EmbedFiles"]),
        .target(name: "Governance", dependencies: ["Pricing"]),
        .target(name: "Metering", dependencies: ["Pricing", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Routing"),
        // Swift concurrency's global jobs on NIO's event loops (see ConcurrencyOnLoops.swift).
        .target(name: "ConcurrencyOnLoops", dependencies: [.product(name: "NIOPosix", package: "swift-nio")]),
        .target(
            name: "Providers",
            dependencies: [
                "OpenAIWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Governance", "Metering", "Pricing",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            plugins: ["EmbedFiles"]
        ),
        // Compiles pricing/, migrations/ and openapi/ into the binary (see Plugins/EmbedFiles).
        .executableTarget(name: "tollgate-embed", path: "Sources/EmbedTool"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["tollgate-embed"]),
        .target(
            name: "Gateway",
            dependencies: [
                "OpenAIWire", "Pricing", "Governance", "Metering", "Routing", "Providers", "PostgresStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            plugins: ["EmbedFiles"]
        ),
        .target(
            name: "MockUpstream",
            dependencies: [
                "OpenAIWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "Gateway", "MockUpstream", "Pricing", "OpenAIWire", "ConcurrencyOnLoops",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tollgate-loadgen",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/LoadGenerator"
        ),
        .executableTarget(
            name: "tollgate-passthrough",
            dependencies: [
                "ConcurrencyOnLoops",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/PassThrough"
        ),
        .target(
            name: "TollgateTestSupport",
            dependencies: [
                "PostgresStorage", "Gateway", "MockUpstream", "OpenAIWire",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/TollgateTestSupport",
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "PricingTests", dependencies: ["Pricing"], exclude: ["Fixtures"]),
        .testTarget(name: "GovernanceTests", dependencies: ["Governance"]),
        .testTarget(name: "MeteringTests", dependencies: ["Metering"]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing"]),
        .testTarget(
            name: "ConcurrencyOnLoopsTests",
            dependencies: ["ConcurrencyOnLoops", .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(name: "StorageTests", dependencies: ["PostgresStorage", "Gateway", "TollgateTestSupport"]),
        .testTarget(name: "OpenAIWireTests", dependencies: ["OpenAIWire"]),
        .testTarget(name: "ProvidersTests", dependencies: ["Providers", "OpenAIWire"]),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "MockUpstream", "TollgateTestSupport", "Routing",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
