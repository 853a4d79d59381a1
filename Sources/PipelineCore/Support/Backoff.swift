import Foundation

/// Delays between reconnect attempts: short at first, so a quick database restart costs the pipeline about
/// a second, then doubling to a cap, so a long outage neither hammers the server nor floods the log.
public struct Backoff: Sendable {
    public let initialMilliseconds: UInt64
    public let maximumMilliseconds: UInt64
    private var current: UInt64

    public init(initialMilliseconds: UInt64 = 500, maximumMilliseconds: UInt64 = 30_000) {
        self.initialMilliseconds = initialMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
        self.current = initialMilliseconds
    }

    /// The delay to wait now; the one after it is twice as long, up to the cap.
    public mutating func next() -> UInt64 {
        defer { current = min(current * 2, maximumMilliseconds) }
        return current
    }

    public mutating func reset() { current = initialMilliseconds }

    /// Sleeps in short slices so a SIGTERM during an outage is honoured at once. Returns false if stopped.
    public static func sleep(milliseconds: UInt64, unless stop: StopSignal) -> Bool {
        let end = MonotonicClock.nowMilliseconds() + milliseconds
        while MonotonicClock.nowMilliseconds() < end {
            if stop.isStopped { return false }
            usleep(50_000)
        }
        return !stop.isStopped
    }
}
