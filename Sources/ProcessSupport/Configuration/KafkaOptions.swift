import ArgumentParser
import KafkaClient

/// The Kafka flags every executable shares, with the same names and environment variables everywhere.
public struct KafkaOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("bootstrap-servers"),
        help:
            "Kafka bootstrap servers, host:port[,host:port...]. Env: KAFKA_BOOTSTRAP_SERVERS. Default: localhost:9092.")
    var bootstrapServersFlag: String?

    @Option(name: .customLong("topic"), help: "The purchases topic. Env: KAFKA_TOPIC. Default: purchases.")
    var topicFlag: String?

    @Option(
        name: .customShort("X"),
        help: ArgumentHelp(
            "A librdkafka property, key=value (repeatable), e.g. -X security.protocol=SASL_SSL. Env: KAFKA_PROPERTY_<NAME>, e.g. KAFKA_PROPERTY_SASL_PASSWORD for sasl.password (keeps secrets off the command line).",
            valueName: "key=value"))
    var properties: [String] = []

    public init() {}

    public var bootstrapServers: String {
        bootstrapServersFlag ?? Environment.value("KAFKA_BOOTSTRAP_SERVERS") ?? "localhost:9092"
    }

    public var topic: String { topicFlag ?? Environment.value("KAFKA_TOPIC") ?? "purchases" }

    public func validate() throws {
        for property in properties where !property.contains("=") || property.hasPrefix("=") {
            throw ValidationError("-X expects key=value, got \(property.debugDescription)")
        }
        guard !topic.isEmpty, topic.utf8.count <= 249 else {
            throw ValidationError("--topic must be 1 to 249 characters")
        }
    }

    /// The librdkafka configuration these flags describe: `KAFKA_PROPERTY_*` variables first, `-X` over them.
    public var configuration: KafkaConfiguration {
        var map = Environment.withPrefix("KAFKA_PROPERTY_").reduce(into: [String: String]()) { map, entry in
            map[entry.key.lowercased().replacing("_", with: ".")] = entry.value
        }
        for property in properties {
            let parts = property.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            map[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return KafkaConfiguration(bootstrapServers: bootstrapServers, properties: map)
    }
}
