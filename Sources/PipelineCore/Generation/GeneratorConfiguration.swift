/// What the generator produces and how fast.
public struct GeneratorConfiguration: Sendable {
    /// Stop after this many messages (nil: run until `duration` or a signal).
    public var count: Int?
    /// Stop after this many milliseconds (nil: run until `count` or a signal).
    public var durationMilliseconds: UInt64?
    /// Messages per second; nil is as fast as the broker takes them. Default: 1,000.
    public var rate: Double? = 1_000
    /// Same seed, same purchases. Default: 42.
    public var seed: UInt64 = 42
    /// How many distinct customers buy. Purchases are keyed by user, and the busiest user places about
    /// 1/sqrt(users) of all orders, all in one Kafka partition. Default: 50,000.
    public var users = 50_000
    /// Share of valid events whose `created_at` lies up to `maxLatenessMilliseconds` in the past. Default: 0.
    public var lateFraction = 0.0
    /// Default: 5 minutes.
    public var maxLatenessMilliseconds: UInt64 = 300_000
    /// Share of messages that re-send an earlier valid purchase, byte for byte. Default: 0.
    public var duplicateFraction = 0.0
    /// Share of messages that are malformed on purpose (for the dead-letter path). Default: 0.
    public var invalidFraction = 0.0
    /// Share of messages drawn from every `HostileMessage` kind, including the ones that must load and
    /// re-sent purchases (the fault suite's hostile-input check). Default: 0.
    public var hostileFraction = 0.0
    /// Spread event times evenly over this span ending now instead of using the wall clock (needs `count`),
    /// so a fast run still fills many windows.
    public var backfillMilliseconds: UInt64?

    public init() {}
}

/// What the generator sent, as its summary line and `--summary-file` report it.
public struct GeneratorSummary: Sendable, Equatable {
    public var messages = 0
    public var bytes = 0
    /// Distinct valid purchases delivered (duplicates and invalid messages not counted).
    public var validPurchases = 0
    public var validItems = 0
    public var validAmount = Money(cents: 0)
    public var lateEvents = 0
    public var duplicates = 0
    /// Messages the loader must dead-letter (invalid ones and the hostile ones that do not load).
    public var invalid = 0
    /// Hostile messages sent, whatever their outcome.
    public var hostile = 0
    public var delivered = 0
    public var failed = 0
    public var seconds = 0.0

    public init() {}

    /// A small JSON object for scripts (the demo's totals check).
    public var json: String {
        """
        {"messages":\(messages),"bytes":\(bytes),"valid_purchases":\(validPurchases),"valid_items":\(validItems),\
        "valid_amount":"\(validAmount)","late_events":\(lateEvents),"duplicates":\(duplicates),"invalid":\(invalid),"hostile":\(hostile),\
        "delivered":\(delivered),"failed":\(failed),"seconds":\(seconds)}
        """
    }
}
