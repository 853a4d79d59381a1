/// The metadata keys of every log line, in one place so that the same thing has the same name in every
/// component (swift-log's guidance: fixed message texts, variable data in metadata with dotted keys).
public enum LogKey {
    public static let topic = "kafka.topic"
    public static let partition = "kafka.partition"
    public static let partitions = "kafka.partitions"
    public static let partitionCount = "kafka.partition_count"
    public static let groupID = "kafka.group_id"
    public static let kafkaSettings = "kafka.settings"
    public static let database = "postgres.endpoint"
    public static let batchID = "batch.id"
    public static let rows = "rows"
    public static let deadLetters = "dead_letters"
    public static let error = "error"
    public static let durationMilliseconds = "duration.ms"
    public static let migration = "migration"
    public static let model = "rollup.model"
}
