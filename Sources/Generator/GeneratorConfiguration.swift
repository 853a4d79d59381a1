import PurchaseEvents

/// What the generator produces and how fast.
struct GeneratorConfiguration: Sendable {
    /// Stop after this many messages (nil: run until `duration` or a signal).
    var count: Int?
    /// Stop after this many milliseconds (nil: run until `count` or a signal).
    var durationMilliseconds: UInt64?
    /// Messages per second; nil is as fast as the broker takes them. Default: 1,000.
    var rate: Double? = 1_000
    /// Same seed, same purchases. Default: 42.
    var seed: UInt64 = 42
    /// How many distinct customers buy. Purchases are keyed by user, and the busiest user places about
    /// 1/sqrt(users) of all orders, all in one Kafka partition. Default: 50,000.
    var users = 50_000
    /// Share of valid events whose `created_at` lies up to `maxLatenessMilliseconds` in the past. Default: 0.
    var lateFraction = 0.0
    /// Default: 5 minutes.
    var maxLatenessMilliseconds: UInt64 = 300_000
    /// Share of messages that re-send an earlier valid purchase, byte for byte. Default: 0.
    var duplicateFraction = 0.0
    /// Share of messages that are malformed on purpose (for the dead-letter path). Default: 0.
    var invalidFraction = 0.0
    /// Share of messages drawn from every `HostileMessage` kind, including the ones that must load and
    /// re-sent purchases (the fault suite's hostile-input check). Default: 0.
    var hostileFraction = 0.0
    /// Spread event times evenly over this span ending now instead of using the wall clock (needs `count`),
    /// so a fast run still fills many windows.
    var backfillMilliseconds: UInt64?
    /// Share of purchases paid in another currency than the country's. Default: 0.
    var foreignCurrencyFraction = 0.0
    /// How many units of each currency a dollar buys, for prices: every one of `PurchaseSimulator.currencyCodes`
    /// must have a rate (the command loads them from `--rates` and checks; the default has USD only).
    var rates = ReferenceRates(unitsPerDollar: [:])

    init() {}
}
