import CRdKafka
import Testing

@testable import KafkaClient

/// A fatal librdkafka error (an idempotent producer that can no longer keep its guarantees, a fenced
/// consumer) leaves the client unusable: it must end the loader and the generator, not be logged and
/// ignored. librdkafka offers no way to provoke a real one against its mock cluster, so these tests raise
/// one through `rd_kafka_test_fatal_error`, librdkafka's own hook for exactly this, and check what our
/// clients make of it: the underlying code and reason, `isFatal`, thrown from the calls the components make.
///
/// A consumer in the fatal state is never destroyed (librdkafka 2.0.2 hangs destroying it, see
/// `KafkaConsumer.deinit`), so its mock cluster must outlive the test process: it is kept in a static.
@Suite(.serialized) struct FatalErrorTests {
    nonisolated(unsafe) static let consumerCluster = Result { () throws -> MockKafkaCluster in
        let cluster = try MockKafkaCluster(logger: quietLogger)
        try cluster.createTopic("purchases", partitions: 1)
        return cluster
    }

    @Test func aConsumerThrowsTheFatalErrorFromPoll() throws {
        let cluster = try Self.consumerCluster.get()
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: "fatal",
            topic: "purchases", logger: quietLogger, rebalanceHandler: NoPartitions())
        try consumer.poll(timeoutMilliseconds: 10) { _ in }
        #expect(
            rd_kafka_test_fatal_error(consumer.handle, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, "fenced")
                == RD_KAFKA_RESP_ERR_NO_ERROR)
        var thrown: KafkaError?
        for _ in 0..<50 where thrown == nil {
            do {
                try consumer.poll(timeoutMilliseconds: 100) { _ in }
            } catch let error as KafkaError {
                thrown = error
            }
        }
        let error = try #require(thrown, "poll never reported the fatal error")
        #expect(error.isFatal)
        #expect(error.code == KafkaError.Code(rawValue: RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH.rawValue))
        #expect(error.message.contains("fenced"))
    }

    @Test func aProducerThrowsTheFatalErrorFromSendPollAndFlush() throws {
        let cluster = try MockKafkaCluster(logger: quietLogger)
        try cluster.createTopic("purchases", partitions: 1)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), topic: "purchases",
            logger: quietLogger)
        try [UInt8]("{}".utf8).withUnsafeBytes { try producer.send(key: nil, value: $0) }
        try producer.flush(timeoutMilliseconds: 10_000)
        #expect(
            rd_kafka_test_fatal_error(producer.handle, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "lost order")
                == RD_KAFKA_RESP_ERR_NO_ERROR)

        let polled = #expect(throws: KafkaError.self) { try producer.poll(timeoutMilliseconds: 100) }
        #expect(polled?.isFatal == true)
        #expect(polled?.code == KafkaError.Code(rawValue: RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER.rawValue))
        #expect(polled?.message.contains("lost order") == true)
        let sent = #expect(throws: KafkaError.self) {
            try [UInt8]("{}".utf8).withUnsafeBytes { try producer.send(key: nil, value: $0) }
        }
        #expect(sent?.isFatal == true)
        let flushed = #expect(throws: KafkaError.self) { try producer.flush(timeoutMilliseconds: 1_000) }
        #expect(flushed?.isFatal == true)
    }
}
