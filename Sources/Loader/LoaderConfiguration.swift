import ProcessSupport
import PurchaseEvents

/// How a loader batches and what it does at a retention gap.
struct LoaderConfiguration: Sendable {
    /// What to do when a stored offset is no longer on the broker (retention deleted unloaded messages).
    enum GapPolicy: String, Sendable, CaseIterable {
        /// Stop with an error naming the partition and the size of the gap. The default: never skip silently.
        case stop
        /// Record the gap in `loader_offset_gaps` and continue from the earliest offset still on the broker.
        case skip
    }

    var topic: String
    /// The consumer group: loaders sharing it split the partitions. Default: purchase-loader.
    var groupID = "purchase-loader"
    /// Partitions to read without joining the group (`--partitions`); nil: join `groupID` and take what
    /// the group assigns.
    var staticPartitions: PartitionListArgument?
    /// A batch commits at this many messages... Default: 50,000.
    var batchMaxMessages = 50_000
    /// ...or when its first message is this old. Default: 500 ms.
    var batchMaxMilliseconds = 500
    /// Stop once every partition is loaded up to the high watermark it had at start.
    var untilCaughtUp = false
    var onGap = GapPolicy.stop
    /// How often to create upcoming daily partitions. Default: 1 hour.
    var partitionMaintenanceMilliseconds = 3_600_000
    /// Days after today that always have a partition, as the rollup's maintenance also ensures. Default: 7.
    var partitionsAheadDays = 7
    var decoder = PurchaseDecoder()

    init(topic: String) { self.topic = topic }
}
