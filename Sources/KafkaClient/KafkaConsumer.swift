import CRdKafka
import Logging

/// A consumer-group member whose start offsets come from its owner, not from Kafka.
///
/// Exactly-once loading keeps offsets in the database, so this consumer never commits to Kafka on its own
/// (`enable.auto.commit=false`) and asks its `KafkaRebalanceHandler` where each assigned partition starts.
/// `auto.offset.reset=error` makes a start offset that retention already deleted an explicit error event
/// instead of a silent jump.
public final class KafkaConsumer {
    let handle: OpaquePointer
    let context: ClientContext
    public let topic: String
    /// Compared by identity only: messages own their topic handle, we hold no reference of our own.
    private var cachedTopicHandle: OpaquePointer?
    private var cachedTopicName = ""
    private let fetchWakeUp: FetchWakeUp?
    private var lastPollWasEmpty = false
    /// How often the fetchers were woken early (see `FetchWakeUp`).
    public var fetchWakeUps: Int { fetchWakeUp?.wakeUps ?? 0 }

    /// Consumer defaults; any of them can be overridden through `configuration.properties`.
    public static let defaults: [String: String] = [
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "auto.offset.reset": "error",
        "enable.partition.eof": "true",
        "session.timeout.ms": "10000",
        "heartbeat.interval.ms": "1000",
        // Prefetch bounds: the consumer's memory is mostly prefetched messages plus one fetch response. With
        // the fetchers woken as soon as the queue runs low (`FetchWakeUp`), 30,000 queued messages and 8 MiB
        // per fetch keep a loader as fast as librdkafka's defaults (100,000 and 50 MiB) in a third of the
        // memory (measured: 61 against 160 MiB at 1 M events, 77 MiB at 10 M on 1,250 partitions).
        "queued.min.messages": "30000",
        "fetch.max.bytes": "8388608",
    ]

    public init(
        configuration: KafkaConfiguration, groupID: String, topic: String, logger: Logger,
        rebalanceHandler: any KafkaRebalanceHandler
    ) throws(KafkaError) {
        let context = ClientContext(logger: logger)
        context.rebalanceHandler = rebalanceHandler
        var defaults = Self.defaults
        defaults["group.id"] = groupID
        if rd_kafka_version() >= 0x0202_00ff {
            defaults["fetch.queue.backoff.ms"] = "5"  // what `FetchWakeUp` does for older versions
        }
        let conf = try configuration.makeConf(defaults: defaults)
        context.install(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, _ in
            guard let rk, let partitions, let context = ClientContext.from(rk) else { return }
            KafkaConsumer.rebalance(rk: rk, err: err, partitions: partitions, context: context)
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, message: text(ofCBuffer: errorText))
        }
        rd_kafka_poll_set_consumer(rk)
        self.handle = rk
        self.fetchWakeUp = FetchWakeUp(handle: rk)
        self.context = context
        self.topic = topic
    }

    deinit {
        fetchWakeUp?.close()
        // After a fatal error librdkafka 2.0.2 never finishes destroying a consumer (measured: its main thread
        // spun on a lock and `rd_kafka_destroy` waited for it forever, with or without the consumer close).
        // A fatal error ends the process, so the handle is left for the exit to reclaim rather than hang it.
        if KafkaError.fatal(of: handle) == nil { rd_kafka_destroy(handle) }
    }

    /// Joins the group for the topic; partitions arrive through the rebalance handler during `poll`.
    public func subscribe() throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        let err = rd_kafka_subscribe(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Leaves the group cleanly (revoking partitions through the handler) so others take over at once.
    public func close() {
        guard KafkaError.fatal(of: handle) == nil else { return }  // see deinit
        rd_kafka_consumer_close(handle)
    }

    /// Waits up to `timeoutMilliseconds` for one event and hands it to `body`, which must finish with the
    /// message before returning. Returns false when nothing arrived in time.
    ///
    /// A rebalance served during the call runs the handler first; if the handler threw, that error is
    /// rethrown here.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32, _ body: (KafkaConsumerEvent) throws -> Void) throws -> Bool {
        fetchWakeUp?.beforePoll(lastPollWasEmpty: lastPollWasEmpty)
        let raw = rd_kafka_consumer_poll(handle, timeoutMilliseconds)
        lastPollWasEmpty = raw == nil
        if let error = context.rebalanceError {
            context.rebalanceError = nil
            if let raw { rd_kafka_message_destroy(raw) }
            throw error
        }
        guard let raw else {
            // librdkafka 2.0.2 does not always queue a fatal error as an event for the consumer; an idle poll
            // asks for it (one atomic read), so a busy loader pays nothing and an idle one learns it at once.
            if let fatal = KafkaError.fatal(of: handle) { throw fatal }
            return false
        }
        defer { rd_kafka_message_destroy(raw) }
        let m = raw.pointee
        let name = topicName(m.rkt)
        if m.err == RD_KAFKA_RESP_ERR__FATAL {
            // The client is unusable from here on; the event only says so, the cause is asked for.
            throw KafkaError.fatal(of: handle) ?? KafkaError(m.err)
        } else if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            try body(.partitionEnd(TopicPartition(topic: name, partition: m.partition), nextOffset: m.offset))
        } else if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let text =
                rd_kafka_message_errstr(raw).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(m.err))
            let partition = m.rkt == nil ? nil : TopicPartition(topic: name, partition: m.partition)
            try body(.error(KafkaError(m.err, message: text), partition, offset: m.rkt == nil ? nil : m.offset))
        } else {
            let value = m.payload.map { UnsafeRawBufferPointer(start: $0, count: m.len) }
            let key = m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) }
            try body(
                .message(
                    KafkaMessage(topic: name, partition: m.partition, offset: m.offset, key: key, value: value)))
        }
        return true
    }

    /// Topic names are looked up once per topic handle, not once per message.
    private func topicName(_ rkt: OpaquePointer?) -> String {
        guard let rkt else { return topic }
        if rkt != cachedTopicHandle {
            cachedTopicName = String(cString: rd_kafka_topic_name(rkt))
            cachedTopicHandle = rkt
        }
        return cachedTopicName
    }

    /// The low and high watermarks of a partition, asked of the broker.
    public func watermarks(_ tp: TopicPartition, timeoutMilliseconds: Int32) throws(KafkaError) -> (
        low: Int64, high: Int64
    ) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeoutMilliseconds)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(err, message: "cannot read watermarks of \(tp): \(String(cString: rd_kafka_err2str(err)))")
        }
        return (low, high)
    }

    /// A partition's high watermark as the consumer last saw it in a fetch response, without asking the
    /// broker (nil before the first fetch): cheap enough to ask between batches.
    public func cachedHighWatermark(_ tp: TopicPartition) -> Int64? {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_get_watermark_offsets(handle, tp.topic, tp.partition, &low, &high)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
    }

    /// The topic's partition count, which also proves the cluster is reachable and the topic exists.
    public func partitionCount(timeoutMilliseconds: Int32) throws(KafkaError) -> Int {
        try Metadata.partitionCount(handle: handle, topic: topic, timeout: timeoutMilliseconds)
    }

    /// Restarts the given assigned partitions at the given positions, e.g. after a fence or past a retention
    /// gap the owner chose to accept.
    ///
    /// It re-assigns rather than seeks: after an `auto.offset.reset=error` event librdkafka 2.0.2 leaves the
    /// partition's fetcher stopped, and a seek does not restart it. With the eager protocol `positions` must
    /// hold the whole assignment, since an assign replaces it.
    ///
    /// Returns false, doing nothing, when the group has already taken the partitions away (the session timed
    /// out): their revocation is on its way, and in librdkafka 2.0.2 a second assignment change before the
    /// first one's fetchers stopped aborts the process (`rktp_started` assertion, librdkafka#5573; the fault
    /// suite's zombie scenario hit it).
    @discardableResult
    public func reposition(_ positions: [TopicPartition: KafkaOffset]) throws(KafkaError) -> Bool {
        if rd_kafka_assignment_lost(handle) != 0 { return false }
        let list = rd_kafka_topic_partition_list_new(Int32(positions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (tp, offset) in positions.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)?.pointee.offset = offset.rawValue
        }
        if String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE" {
            if let error = rd_kafka_incremental_unassign(handle, list) { throw KafkaError(consuming: error) }
            if let error = rd_kafka_incremental_assign(handle, list) { throw KafkaError(consuming: error) }
        } else {
            let err = rd_kafka_assign(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
        }
        return true
    }

    /// Applies a rebalance: asks the handler, then (un)assigns with the protocol the group uses.
    static func rebalance(
        rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        context: ClientContext
    ) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        var list: [TopicPartition] = []
        for i in 0..<Int(partitions.pointee.cnt) {
            let element = partitions.pointee.elems[i]
            list.append(TopicPartition(topic: String(cString: element.topic), partition: element.partition))
        }
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            do {
                let offsets = try context.rebalanceHandler?.partitionsAssigned(list) ?? [:]
                for i in 0..<Int(partitions.pointee.cnt) {
                    partitions.pointee.elems[i].offset = (offsets[list[i]] ?? .beginning).rawValue
                }
            } catch {
                // Without a start offset from the database the partitions must not be read at all.
                context.rebalanceError = error
                return
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) {
                    context.rebalanceError = KafkaError(consuming: error)
                }
            } else {
                let result = rd_kafka_assign(rk, partitions)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR { context.rebalanceError = KafkaError(result) }
            }
        } else {
            context.rebalanceHandler?.partitionsRevoked(list)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) {
                    context.rebalanceError = KafkaError(consuming: error)
                }
            } else {
                rd_kafka_assign(rk, nil)
            }
        }
    }
}
