// swift-tools-version: 6.1
import PackageDescription

/// Upcoming-feature flags every Swift target shares, applied once at the bottom.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "purchase-stream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "generator", targets: ["Generator"]),
        .executable(name: "loader", targets: ["Loader"]),
        .executable(name: "rollup", targets: ["Rollup"]),
        .executable(name: "dev-broker", targets: ["DevBroker"]),
        // For the micro-benchmarks in Benchmarks/, a package of their own: the per-message work of the
        // loader and the generator, without ArgumentParser, ServiceLifecycle or the C libraries.
        .library(name: "PurchaseEvents", targets: ["PurchaseEvents"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The operations endpoint: metrics through swift-metrics' API into a Prometheus registry, served over
        // SwiftNIO's HTTP/1 server (about a minute more of a clean build; Hummingbird would add more).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C libraries, found through pkg-config; the apt hint is what a fresh Debian machine needs.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // The only two targets that touch C: everything else sees Swift types.
        .target(
            name: "KafkaClient",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),

        // What the components share that needs only the standard library: the purchase event, its decoding
        // and validation, money and event times, binary COPY rows, the simulator and the hostile messages.
        .target(name: "PurchaseEvents"),

        // What every executable needs to run as a process: flags and environment, logging, the service
        // lifecycle around a blocking loop, the stop signal, reconnecting with backoff.
        .target(
            name: "ProcessSupport",
            dependencies: [
                "KafkaClient",
                "PostgresClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // What the long-running components (loader, rollup) show their operators: Prometheus metrics,
        // /healthz and /readyz on --metrics-port.
        .target(
            name: "Operations",
            dependencies: [
                "ProcessSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // The rollup's model engine: models (a header and a select), their tables, the pass, increments,
        // rebuilds, finality, backfill and verify. The `rollup` commands and reports call it.
        .target(
            name: "RollupEngine",
            dependencies: ["PostgresClient", "ProcessSupport", .product(name: "Logging", package: "swift-log")]
        ),

        // The components: each folder holds its component's work, not only its command.
        .executableTarget(name: "Generator", dependencies: ["PurchaseEvents", "KafkaClient", "ProcessSupport"]),
        .executableTarget(
            name: "Loader",
            dependencies: [
                "PurchaseEvents", "KafkaClient", "PostgresClient", "ProcessSupport", "Operations",
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "Rollup",
            dependencies: [
                "PurchaseEvents", "PostgresClient", "ProcessSupport", "Operations", "RollupEngine",
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(name: "DevBroker", dependencies: ["KafkaClient", "ProcessSupport"]),

        // Unit tests, one target per library; they need no services.
        .testTarget(name: "PurchaseEventsTests", dependencies: ["PurchaseEvents"]),
        .testTarget(name: "ProcessSupportTests", dependencies: ["ProcessSupport"]),
        .testTarget(
            name: "OperationsTests",
            dependencies: ["Operations", .product(name: "Metrics", package: "swift-metrics")]
        ),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient"]),
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "CRdKafka"]),
        .testTarget(name: "RollupEngineTests", dependencies: ["RollupEngine"]),
        // Integration tests against a real Postgres and the mock cluster, a folder per component. One
        // target reaches all three executables with `@testable import`: the loader's tests produce with the
        // generator and check with the rollup.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Generator", "Loader", "Rollup", "RollupEngine", "PurchaseEvents", "ProcessSupport", "KafkaClient",
                "PostgresClient", "Operations",
            ],
            // The previous release's model files, which the upgrade test runs as that release did.
            exclude: ["Fixtures"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
