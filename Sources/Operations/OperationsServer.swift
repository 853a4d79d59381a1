import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// The HTTP listener for `/metrics`, `/healthz` and `/readyz`, on SwiftNIO's HTTP/1 server (no parsing of
/// our own), on NIO's shared event loop: it serves on its own threads, so a busy or blocked loader thread
/// never keeps a scrape or a health check waiting.
public final class OperationsServer: Sendable {
    /// The port bound (the one asked for, or the system's pick for 0).
    public let port: Int
    private let channel: any Channel

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Binds and starts serving; throws if the address cannot be bound (in use, not ours).
    public static func start(
        host: String, port: Int, registry: PrometheusCollectorRegistry, readiness: Readiness,
        beforeScrape: @escaping @Sendable () -> Void = {}
    ) async throws -> OperationsServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        OperationsHTTPHandler(registry: registry, readiness: readiness, beforeScrape: beforeScrape))
                }
            }
            .bind(host: host, port: port).get()
        return OperationsServer(channel: channel, port: channel.localAddress?.port ?? port)
    }

    /// Stops listening; connections in flight finish on their own.
    public func stop() async {
        try? await channel.close().get()
    }
}
