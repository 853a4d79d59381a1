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
        // For the micro-benchmarks in Benchmarks/, a package of their own that imports PipelineCore.
        // For the micro-benchmarks in Benchmarks/, a package of their own.
        .library(name: "PipelineCore", targets: ["PipelineCore"]),
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
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
        .target(
            name: "PostgresClient",
            dependencies: ["CLibPQ"]
        ),

        // The event model, validation, COPY encoding, shared configuration and the services.
        .target(
            name: "PipelineCore",
            dependencies: [
                "KafkaClient",
                "PostgresClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(name: "Generator", dependencies: ["PipelineCore"]),
        .executableTarget(name: "Loader", dependencies: ["PipelineCore"]),
        .executableTarget(name: "Rollup", dependencies: ["PipelineCore"]),
        .executableTarget(name: "DevBroker", dependencies: ["PipelineCore"]),

        .testTarget(name: "PipelineCoreTests", dependencies: ["PipelineCore"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["PipelineCore", "KafkaClient", "PostgresClient"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
