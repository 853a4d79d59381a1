import Synchronization

/// A one-way flag a signal handler (via service-lifecycle) sets and a blocking loop polls between batches.
///
/// Polling a flag keeps the shutdown path simple: the loop finishes the unit of work it is in (a batch is
/// committed whole or rolled back), then returns normally.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func stop() { flag.store(true, ordering: .relaxed) }
    public var isStopped: Bool { flag.load(ordering: .relaxed) }
}
