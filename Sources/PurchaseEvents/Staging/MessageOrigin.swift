/// Where a message sits in Kafka: the lineage columns of the row it becomes, and what makes a raw row's
/// copy the one that counts (the lowest topic, partition and offset of an event's copies).
public struct MessageOrigin: Sendable, Equatable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
