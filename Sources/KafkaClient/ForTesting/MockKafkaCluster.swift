import CRdKafka
import Logging

/// librdkafka's built-in mock cluster: real Kafka protocol on loopback sockets, in this process.
///
/// The dev broker and the tests host it; production points at real Kafka. Remember its retention: librdkafka
/// 2.0.2 keeps only about 5 MiB per partition and silently deletes older messages, so give topics enough
/// partitions for what they must hold at once (about 22,000 of our events per partition).
public final class MockKafkaCluster {
    let handle: OpaquePointer
    let cluster: OpaquePointer
    let context: ClientContext

    /// The `bootstrap.servers` string clients use to reach the cluster.
    public let bootstrapServers: String

    public init(brokers: Int32 = 1, logger: Logger) throws(KafkaError) {
        let context = ClientContext(logger: logger)
        let conf = try KafkaConfiguration(bootstrapServers: "").makeConf(defaults: [:])
        context.install(on: conf)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, message: text(ofCBuffer: errorText))
        }
        guard let cluster = rd_kafka_mock_cluster_new(rk, brokers) else {
            rd_kafka_destroy(rk)
            throw KafkaError(.configuration, message: "librdkafka could not start a mock cluster")
        }
        self.handle = rk
        self.cluster = cluster
        self.context = context
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Takes a broker off the network (connections refused) until `setBrokerUp`.
    public func setBrokerDown(_ brokerID: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_down(cluster, brokerID)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    public func setBrokerUp(_ brokerID: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_up(cluster, brokerID)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Delays every response of a broker by `milliseconds` (a slow or distant broker).
    public func setBrokerRoundTrip(_ brokerID: Int32, milliseconds: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_rtt(cluster, brokerID, milliseconds)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Makes the next `errors.count` requests of one API (Kafka protocol ApiKey: 0 Produce, 1 Fetch,
    /// 3 Metadata, 8 OffsetCommit, 11 JoinGroup, 12 Heartbeat, ...) fail with these error codes, in order,
    /// cluster-wide. How clients cope with retriable and fatal broker errors is tested with this.
    public func pushRequestErrors(apiKey: Int16, _ errors: [KafkaError.Code]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        codes.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, $0.count, $0.baseAddress)
        }
    }
}
