import Logging
import ServiceLifecycle
import Synchronization
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

    /// Runs `body` as the process's only service and returns what it returned; on failure prints the one-line
    /// error and exits 1 (`ExitMessage`). SIGTERM and SIGINT stop it gracefully.
    public static func runCommand<T: Sendable>(
        _ command: String, logger: Logger, _ body: @escaping @Sendable (StopSignal) throws -> T
    ) async -> T {
        let result = Mutex<T?>(nil)
        do {
            try await runMain(name: command, logger: logger) { stop in
                let value = try body(stop)
                result.withLock { $0 = value }
            }
        } catch {
            ExitMessage.fail(command, error)
        }
        guard let value = result.withLock({ $0 }) else {
            ExitMessage.fail(command, PipelineError(.stopped, "stopped before it finished"))
        }
        return value
    }

    /// Runs `body` as the process's only service, stopping gracefully on SIGTERM or SIGINT.
    public static func runMain(name: String, logger: Logger, _ body: @escaping @Sendable (StopSignal) throws -> Void)
        async throws
    {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(
                        service: BlockingService(name: name, body),
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
