/// Delays between reconnect attempts: short at first, so a quick database restart costs the pipeline about
/// a second, then doubling to a cap, so a long outage neither hammers the server nor floods the log.
public struct Backoff: Sendable {
    /// Default: 500 ms.
    public let initialMilliseconds: UInt64
    /// Default: 30 s.
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
}
