import Foundation
import Synchronization

/// A one-way flag a signal handler (via service-lifecycle) sets and a blocking loop polls between batches,
/// and the one way this code waits: `wait` returns as soon as the flag is set.
///
/// Polling a flag keeps the shutdown path simple: the loop finishes the unit of work it is in (a batch is
/// committed whole or rolled back), then returns normally. Waiting on the signal rather than sleeping means
/// a SIGTERM during a long pause (a timer, a backoff, a lock wait) is honoured at once.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    private let condition = NSCondition()

    public init() {}

    public func stop() {
        condition.lock()
        flag.store(true, ordering: .relaxed)
        condition.broadcast()
        condition.unlock()
    }

    /// Cheap enough to ask once per message.
    public var isStopped: Bool { flag.load(ordering: .relaxed) }

    /// Waits `nanoseconds`, or less if stopped meanwhile. Returns false when stopped.
    @discardableResult
    public func wait(nanoseconds: UInt64) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(nanoseconds) / 1e9)
        condition.lock()
        defer { condition.unlock() }
        while !isStopped {
            if !condition.wait(until: deadline) { break }
        }
        return !isStopped
    }

    /// Waits `milliseconds`, or less if stopped meanwhile. Returns false when stopped.
    @discardableResult
    public func wait(milliseconds: UInt64) -> Bool { wait(nanoseconds: milliseconds * 1_000_000) }
}
