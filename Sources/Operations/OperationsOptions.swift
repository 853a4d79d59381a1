import ArgumentParser
import Logging
import Metrics
import ProcessSupport
import Prometheus
import Synchronization

/// `--metrics-port` and `--metrics-host`, and starting the operations endpoint they ask for.
public struct OperationsOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("metrics-port"),
        help: """
            Serve Prometheus metrics (/metrics), /healthz and /readyz over HTTP on this port. Env: \
            METRICS_PORT. Default: off.
            """)
    var portFlag: Int?

    @Option(
        name: .customLong("metrics-host"),
        help: "The address to listen on for --metrics-port. Env: METRICS_HOST. Default: 0.0.0.0 (every interface).")
    var hostFlag: String?

    public init() {}

    public var port: Int? { portFlag ?? Environment.value("METRICS_PORT").flatMap { Int($0) } }
    public var host: String { hostFlag ?? Environment.value("METRICS_HOST") ?? "0.0.0.0" }

    public func validate() throws {
        if portFlag == nil, let raw = Environment.value("METRICS_PORT"), Int(raw) == nil {
            throw ValidationError("METRICS_PORT: expected a port number, got \(raw.debugDescription)")
        }
        if let port, !(0...65_535).contains(port) {
            throw ValidationError("--metrics-port (or METRICS_PORT): \(port) is not a port (0-65535)")
        }
    }

    /// Makes the process's metrics factory know a component's metrics. Call before making any of them:
    /// swift-metrics binds a metric to the factory in place when it is made.
    public static func describe(_ metrics: [MetricDescription]) {
        bootstrap().describe(metrics)
    }

    /// Starts serving when a port is set (nil otherwise). An address that cannot be bound is a
    /// configuration error, reported before any work starts.
    public func serve(
        readiness: Readiness, logger: Logger, beforeScrape: @escaping @Sendable () -> Void = {}
    ) async throws -> OperationsServer? {
        guard let port else { return nil }
        do {
            let server = try await OperationsServer.start(
                host: host, port: port, registry: Self.bootstrap().registry, readiness: readiness,
                beforeScrape: beforeScrape)
            logger.info(
                "serving metrics and health",
                metadata: ["address": "http://\(host):\(server.port)", "paths": "/metrics /healthz /readyz"])
            return server
        } catch {
            throw PipelineError(.configuration, "cannot listen on \(host):\(port) for --metrics-port: \(error)")
        }
    }

    private static let factory = Mutex<DescribedMetricsFactory?>(nil)

    /// The process's one factory: swift-metrics takes one bootstrap per process, and tests start loaders
    /// and rollups several times in one.
    @discardableResult
    public static func bootstrap() -> DescribedMetricsFactory {
        factory.withLock { existing in
            if let existing { return existing }
            let made = DescribedMetricsFactory(registry: PrometheusCollectorRegistry())
            MetricsSystem.bootstrap(made)
            existing = made
            return made
        }
    }
}
