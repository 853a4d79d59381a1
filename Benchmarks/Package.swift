// swift-tools-version: 6.1
import PackageDescription

// A package of its own so that the root package, which CI builds on a fresh machine, never depends on
// ordo-one/benchmark. Run with `make microbench` (or `swift package benchmark` in this directory).
//
// Only the MallocInterposer trait is enabled: it gives the malloc counts. The default RuntimeInterposer
// trait (ARC counts on Linux with Swift 6.3) would need ordo-one/swift-runtime-interposer, which the
// machines' package mirror does not have.
let package = Package(
    name: "purchase-stream-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "purchase-stream", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "PurchasePipeline",
            dependencies: [
                .product(name: "PurchaseEvents", package: "purchase-stream"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PurchasePipeline",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
