/// A consumed message, borrowed from librdkafka for the duration of one callback.
///
/// Its buffers point into librdkafka's memory and are freed when the callback returns: copy what must
/// outlive it. Borrowing instead of copying keeps the loader at one copy per message (into the COPY buffer).
public struct KafkaMessage {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    /// nil for a null key.
    public let key: UnsafeRawBufferPointer?
    /// nil for a null value (a tombstone); an empty value is an empty buffer.
    public let value: UnsafeRawBufferPointer?

    /// For tests and benchmarks that feed the loader's batch code without a broker.
    public init(
        topic: String, partition: Int32, offset: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
    }

}

/// What one poll of the consumer produced.
public enum KafkaConsumerEvent {
    /// A message; valid only inside the poll callback.
    case message(KafkaMessage)
    /// The consumer reached the end of a partition (it may grow again later).
    case partitionEnd(TopicPartition, nextOffset: Int64)
    /// A per-partition or client error. `offsetOutOfRange` errors here mean retention deleted data the
    /// consumer was asked to start from.
    case error(KafkaError, TopicPartition?, offset: Int64?)
}
