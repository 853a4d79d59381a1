import CRdKafka
import Logging
import Testing

@testable import KafkaClient

/// `FetchWakeUp` wakes librdkafka 2.0.2's fetchers by storing the SASL credentials again; that must leave
/// the credentials of a SASL deployment exactly as configured, or the next reconnect would fail to log in.
@Suite struct FetchWakeUpTests {
    @Test func wakingTheFetchersKeepsTheConfiguredCredentials() throws {
        let cluster = try MockKafkaCluster(logger: quietLogger)
        try cluster.createTopic("purchases", partitions: 1)
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.properties["sasl.mechanisms"] = "PLAIN"
        configuration.properties["sasl.username"] = "alice"
        configuration.properties["sasl.password"] = "Hunter2Secret"
        let consumer = try KafkaConsumer(
            configuration: configuration, groupID: "wake-up", topic: "purchases", logger: quietLogger,
            rebalanceHandler: NoPartitions())
        // Not subscribed: every poll comes back empty, and each empty poll may wake the fetchers.
        for _ in 0..<5 {
            try consumer.poll(timeoutMilliseconds: 10) { _ in }
        }
        #expect(consumer.fetchWakeUps >= 1)
        #expect(setting("sasl.username", of: consumer.handle) == "alice")
        #expect(setting("sasl.password", of: consumer.handle) == "Hunter2Secret")
    }

    private func setting(_ name: String, of handle: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard rd_kafka_conf_get(rd_kafka_conf(handle), name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A rebalance handler for a consumer that never joins a group.
final class NoPartitions: KafkaRebalanceHandler {
    func partitionsAssigned(_ partitions: [TopicPartition]) throws -> [TopicPartition: KafkaOffset] { [:] }
    func partitionsRevoked(_ partitions: [TopicPartition]) {}
}

/// Tests capture nothing from logs; they never bootstrap the logging system.
let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
