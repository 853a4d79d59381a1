import CRdKafka

/// Where a partition is to be read from: a concrete offset, or one of librdkafka's logical positions.
///
/// librdkafka spells the logical positions as negative offsets (`-2` for the beginning, `-1` for the end);
/// this type keeps those sentinels inside the Kafka client, so the loader's arithmetic on offsets never
/// meets one by accident.
public struct KafkaOffset: Hashable, Sendable, CustomStringConvertible {
    /// librdkafka's value: an offset, or `RD_KAFKA_OFFSET_BEGINNING`/`RD_KAFKA_OFFSET_END`.
    public let rawValue: Int64

    /// A concrete offset of a message (0 or more).
    public init(_ offset: Int64) {
        precondition(offset >= 0, "a concrete Kafka offset is never negative")
        self.rawValue = offset
    }

    private init(logical value: Int32) { self.rawValue = Int64(value) }

    /// The oldest message the broker still holds.
    public static let beginning = KafkaOffset(logical: RD_KAFKA_OFFSET_BEGINNING)
    /// The next message to be produced.
    public static let end = KafkaOffset(logical: RD_KAFKA_OFFSET_END)

    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        default: "\(rawValue)"
        }
    }
}
