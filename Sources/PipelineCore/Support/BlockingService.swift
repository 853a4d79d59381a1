import Logging
import ServiceLifecycle
import UnixSignals

/// A service-lifecycle `Service` around a blocking loop: the loop runs on its own thread and the group's
/// graceful shutdown (SIGTERM, SIGINT) sets its `StopSignal`, so it ends its current batch and returns.
public struct BlockingService: Service {
    let name: String
    let body: @Sendable (StopSignal) throws -> Void

    public init(name: String, _ body: @escaping @Sendable (StopSignal) throws -> Void) {
        self.name = name
        self.body = body
    }

    public func run() async throws {
        let stop = StopSignal()
        try await withGracefulShutdownHandler {
            try await BlockingWorker.run(name: name) { try body(stop) }
        } onGracefulShutdown: {
            stop.stop()
        }
    }

    /// Runs `body` as the process's only service, stopping gracefully on SIGTERM or SIGINT.
    public static func runMain(name: String, logger: Logger, _ body: @escaping @Sendable (StopSignal) throws -> Void) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(
                        service: BlockingService(name: name, body), successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
