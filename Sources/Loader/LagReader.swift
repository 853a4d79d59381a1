import KafkaClient
import Logging
import PostgresClient

/// Reads how far the loaded offsets are behind the topic: the high watermarks from Kafka, the stored offsets
/// from Postgres. `loader lag` asks once; a running loader's `LagSampler` asks every second for its metrics
/// and `/readyz`, so both report the same numbers the same way.
///
/// The Kafka handle is a consumer that never subscribes, so it joins no group: asking never rebalances the
/// loaders. The Postgres connection is made on first use and again after a failure.
final class LagReader {
    /// One partition's position.
    struct Row: Codable, Equatable, Sendable {
        var partition: Int32
        var low: Int64
        var high: Int64
        var stored: Int64?
        var lag: Int64

        /// A partition never loaded is behind by everything the topic still holds there.
        init(partition: Int32, low: Int64, high: Int64, stored: Int64?) {
            self.partition = partition
            self.low = low
            self.high = high
            self.stored = stored
            self.lag = max(0, high - max(stored ?? low, low))
        }
    }

    let topic: String
    private let database: String
    private let consumer: KafkaConsumer
    private var db: PostgresConnection?

    init(kafka: KafkaConfiguration, topic: String, database: String, logger: Logger) throws {
        self.topic = topic
        self.database = database
        self.consumer = try KafkaConsumer(
            configuration: kafka, groupID: "purchase-loader-lag", topic: topic, logger: logger,
            rebalanceHandler: NoRebalance())
    }

    deinit { consumer.close() }

    /// The topic's partition count; also proves the broker reachable.
    func partitionCount() throws(KafkaError) -> Int { try consumer.partitionCount(timeoutMilliseconds: 10_000) }

    /// The watermarks of `partitions`, asked of the broker.
    func watermarks(_ partitions: [Int32], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [Int32: (
        low: Int64, high: Int64
    )] {
        var marks: [Int32: (low: Int64, high: Int64)] = [:]
        for partition in partitions {
            marks[partition] = try consumer.watermarks(
                TopicPartition(topic: topic, partition: partition), timeoutMilliseconds: timeoutMilliseconds)
        }
        return marks
    }

    /// The next offsets stored in `loader_offsets`, per topic and partition whichever group stored them.
    /// A failure drops the connection, so the next call reconnects.
    func storedOffsets(_ partitions: [Int32]) throws -> [Int32: Int64] {
        do {
            if db == nil { db = try PostgresConnection(settings: database, applicationName: "purchase-loader-lag") }
            return try OffsetStore(topic: topic, groupID: "").read(db!, partitions: partitions)
        } catch {
            db = nil
            throw error
        }
    }

    /// Every partition of the topic, both sides asked now.
    func read() throws -> [Row] {
        let partitions = Array(0..<Int32(try partitionCount()))
        let stored = try storedOffsets(partitions)
        let marks = try watermarks(partitions)
        return partitions.map {
            Row(partition: $0, low: marks[$0]!.low, high: marks[$0]!.high, stored: stored[$0])
        }
    }

    /// Never called: the reader never subscribes.
    final class NoRebalance: KafkaRebalanceHandler {
        func partitionsAssigned(_ partitions: [TopicPartition]) throws -> [TopicPartition: KafkaOffset] { [:] }
        func partitionsRevoked(_ partitions: [TopicPartition]) {}
    }
}
