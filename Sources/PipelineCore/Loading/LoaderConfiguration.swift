/// How a loader batches and what it does at a retention gap.
public struct LoaderConfiguration: Sendable {
    /// What to do when a stored offset is no longer on the broker (retention deleted unloaded messages).
    public enum GapPolicy: String, Sendable, CaseIterable {
        /// Stop with an error naming the partition and the size of the gap. The default: never skip silently.
        case stop
        /// Record the gap in `loader_offset_gaps` and continue from the earliest offset still on the broker.
        case skip
    }

    public var topic: String
    /// The consumer group: loaders sharing it split the partitions. Default: purchase-loader.
    public var groupID = "purchase-loader"
    /// Partitions to read without joining the group (`--partitions`); nil: join `groupID` and take what
    /// the group assigns.
    public var staticPartitions: PartitionListArgument?
    /// A batch commits at this many messages... Default: 50,000.
    public var batchMaxMessages = 50_000
    /// ...or when its first message is this old. Default: 500 ms.
    public var batchMaxMilliseconds = 500
    /// Stop once every partition is loaded up to the high watermark it had at start.
    public var untilCaughtUp = false
    public var onGap = GapPolicy.stop
    /// How often to create upcoming daily partitions. Default: 1 hour.
    public var partitionMaintenanceMilliseconds = 3_600_000
    public var decoder = PurchaseDecoder()

    public init(topic: String) { self.topic = topic }
}

/// What a loader did, for its summary line and for tests.
public struct LoaderStatistics: Sendable, Equatable {
    public var batches = 0
    public var rows = 0
    public var deadLetters = 0
    /// Messages re-delivered below the stored offset and skipped (they were loaded before).
    public var alreadyLoaded = 0
    /// Batches dropped because the database said another loader owns the partition now.
    public var fencedBatches = 0
    /// Times the loader lost Postgres and reconnected.
    public var reconnects = 0
    /// Times librdkafka's fetchers were woken because the prefetched messages ran low (`FetchWakeUp`).
    public var fetchWakeUps = 0
    public var amount = Money(cents: 0)
    /// Seconds from start to the first partition assignment: joining the group (about 3 s with librdkafka's
    /// mock cluster, as with Kafka's default `group.initial.rebalance.delay.ms`).
    public var joinSeconds = 0.0
    /// Seconds from the first assignment to the end.
    public var loadSeconds = 0.0

    public init() {}
}
