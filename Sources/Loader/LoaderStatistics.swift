/// What a loader did, for its summary line and for tests.
struct LoaderStatistics: Sendable, Equatable {
    var batches = 0
    var rows = 0
    var deadLetters = 0
    /// Messages re-delivered below the stored offset and skipped (they were loaded before).
    var alreadyLoaded = 0
    /// Batches dropped because the database said another loader owns the partition now.
    var fencedBatches = 0
    /// Times the loader lost Postgres and reconnected.
    var reconnects = 0
    /// Times librdkafka's fetchers were woken because the prefetched messages ran low (`FetchWakeUp`).
    var fetchWakeUps = 0
    /// Seconds from start to the first partition assignment: joining the group (about 3 s with librdkafka's
    /// mock cluster, as with Kafka's default `group.initial.rebalance.delay.ms`).
    var joinSeconds = 0.0
    /// Seconds from the first assignment to the end.
    var loadSeconds = 0.0

    init() {}
}
