import Foundation

/// Runs blocking C-library work (librdkafka polls, libpq calls) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core (two here); a blocking `rd_kafka_consumer_poll` or
/// `PQexec` on it would stall every other task, signal handling included.
public enum BlockingWorker {
    public static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
