import CRdKafka
import Logging

/// An idempotent, `acks=all` producer for one topic.
///
/// Delivery reports are served by `poll()`/`flush()` on the caller's thread, so `deliveredCount` and
/// `failedCount` are exact once `flush` returns: the generator reports as delivered only what the broker
/// acknowledged.
public final class KafkaProducer {
    let handle: OpaquePointer
    /// Created on first send, not in `init`: creating it makes librdkafka ask for the topic's metadata,
    /// and a broker that auto-creates topics (the mock cluster always does) would create a mistyped topic
    /// before `partitionCount` could report it missing.
    private var topicHandle: OpaquePointer?
    let context: ClientContext
    public let topic: String

    /// Producer defaults; any of them can be overridden through `configuration.properties`.
    /// Default: idempotence on, `acks=all`, `linger.ms=5`, 10,000-message batches, 1 GiB of queue, and no
    /// topic auto-creation: a mistyped `--topic` is an error, not a new empty topic.
    ///
    /// At most 100,000 messages wait unacknowledged (librdkafka's own default). A bigger queue does not
    /// produce faster, it produces slower: with 1,000,000 allowed, an unlimited-rate generator queued
    /// ~300,000 messages (~120 MB) ahead of the broker, so librdkafka's broker thread (walking each acked
    /// message set) and the frees after delivery reports missed the cache on every message; 1 M events
    /// took ~1.1-1.2 s instead of ~0.8-0.9 s, with ~25 % more CPU. `send` serves delivery reports when the
    /// queue is full, so a fast producer waits instead of failing.
    public static let defaults: [String: String] = [
        "enable.idempotence": "true",
        "allow.auto.create.topics": "false",
        "acks": "all",
        "linger.ms": "5",
        "batch.num.messages": "10000",
        "queue.buffering.max.kbytes": "1048576",
        "queue.buffering.max.messages": "100000",
        "message.timeout.ms": "60000",
    ]

    public init(configuration: KafkaConfiguration, topic: String, logger: Logger) throws(KafkaError) {
        let context = ClientContext(logger: logger)
        let conf = try configuration.makeConf(defaults: Self.defaults)
        context.install(on: conf)
        rd_kafka_conf_set_dr_msg_cb(conf) { rk, message, _ in
            guard let context = ClientContext.from(rk), let message else { return }
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                context.delivered += 1
            } else {
                context.deliveryFailed += 1
                if context.firstDeliveryError == nil { context.firstDeliveryError = KafkaError(err) }
            }
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, message: text(ofCBuffer: errorText))
        }
        self.handle = rk
        self.context = context
        self.topic = topic
    }

    deinit {
        if let topicHandle { rd_kafka_topic_destroy(topicHandle) }
        rd_kafka_destroy(handle)
    }

    public var deliveredCount: Int { context.delivered }
    public var failedCount: Int { context.deliveryFailed }
    public var firstDeliveryError: KafkaError? { context.firstDeliveryError }
    /// Messages handed to librdkafka and not yet acknowledged or failed.
    public var inFlight: Int { Int(rd_kafka_outq_len(handle)) }

    /// Queues one message (librdkafka copies the bytes). When the local queue is full it serves delivery
    /// reports until there is room, so a fast producer is slowed down instead of failing.
    public func send(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) throws(KafkaError) {
        let topicHandle: OpaquePointer
        if let opened = self.topicHandle { topicHandle = opened } else { topicHandle = try openTopic() }
        while true {
            let result = rd_kafka_produce(
                topicHandle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                UnsafeMutableRawPointer(mutating: value?.baseAddress), value?.count ?? 0,
                key?.baseAddress, key?.count ?? 0, nil)
            if result == 0 { return }
            let err = rd_kafka_last_error()
            if err == RD_KAFKA_RESP_ERR__FATAL { throw KafkaError.fatal(of: handle) ?? KafkaError(err) }
            guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw KafkaError(err) }
            rd_kafka_poll(handle, 10)
        }
    }

    private func openTopic() throws(KafkaError) -> OpaquePointer {
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else { throw KafkaError(rd_kafka_last_error()) }
        topicHandle = rkt
        return rkt
    }

    /// Serves delivery reports and callbacks without blocking longer than `timeoutMilliseconds`; throws
    /// once librdkafka reported a fatal error (an idempotent producer that lost its guarantees).
    public func poll(timeoutMilliseconds: Int32 = 0) throws(KafkaError) {
        rd_kafka_poll(handle, timeoutMilliseconds)
        if let fatal = KafkaError.fatal(of: handle) { throw fatal }
    }

    /// Waits until every queued message is acknowledged or failed; throws if time runs out first.
    public func flush(timeoutMilliseconds: Int32) throws(KafkaError) {
        let err = rd_kafka_flush(handle, timeoutMilliseconds)
        if let fatal = KafkaError.fatal(of: handle) { throw fatal }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(err, message: "\(inFlight) messages still unacknowledged after \(timeoutMilliseconds) ms")
        }
    }

    /// Asks the cluster for the topic's partition count, which proves the brokers are reachable and the topic
    /// exists before any event is generated.
    public func partitionCount(timeoutMilliseconds: Int32) throws(KafkaError) -> Int {
        try Metadata.partitionCount(handle: handle, topic: topic, timeout: timeoutMilliseconds)
    }
}

/// Metadata look-ups shared by the producer and the consumer.
enum Metadata {
    /// Lists the cluster's topics rather than asking for this one: a request naming a topic may create it
    /// on brokers with `auto.create.topics.enable` (librdkafka's mock cluster always does), and a mistyped
    /// topic must be an error, not a new empty topic.
    static func partitionCount(handle: OpaquePointer, topic: String, timeout: Int32) throws(KafkaError) -> Int {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeout)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(
                err, message: "cannot read metadata for topic \(topic): \(String(cString: rd_kafka_err2str(err)))")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let found = topics.first(where: { String(cString: $0.topic) == topic }) else {
            throw KafkaError(
                .unknownTopic,
                message:
                    "topic \(topic) does not exist on the cluster (\(topics.count) topics); create it or check --topic / KAFKA_TOPIC"
            )
        }
        if found.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(found.err, message: "topic \(topic): \(String(cString: rd_kafka_err2str(found.err)))")
        }
        return Int(found.partition_cnt)
    }
}
