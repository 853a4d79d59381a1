import CRdKafka

/// librdkafka properties, gathered from flags and environment and turned into a `rd_kafka_conf_t` in one place.
///
/// Any librdkafka property can be passed through (`-X security.protocol=SASL_SSL`), as kcat does; the client
/// code only sets its own defaults where the caller did not.
public struct KafkaConfiguration: Sendable {
    /// `bootstrap.servers`, e.g. `localhost:9092`.
    public var bootstrapServers: String
    /// Every other property, passed to librdkafka as is.
    public var properties: [String: String]

    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
    }

    /// Property names whose values must never be printed.
    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return lower.contains("password") || lower.contains("secret") || lower.hasSuffix(".key.pem")
            || lower.contains("sasl.oauthbearer.config") || lower.contains("token")
    }

    /// The properties for logs, secrets replaced by `***`.
    public var redactedDescription: String {
        let pairs = properties.sorted { $0.key < $1.key }.map {
            "\($0.key)=\(Self.isSecret($0.key) ? "***" : $0.value)"
        }
        return (["bootstrap.servers=\(bootstrapServers)"] + pairs).joined(separator: " ")
    }

    /// Builds librdkafka's configuration: the caller's defaults first, then the user's properties on top.
    ///
    /// librdkafka rejects unknown names and bad values here, with a message naming the property, so a typo
    /// in `-X` is a startup error, not a silently ignored setting.
    func makeConf(defaults: [String: String]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.configuration, message: "librdkafka could not allocate a configuration")
        }
        var merged = defaults
        merged["bootstrap.servers"] = bootstrapServers
        for (key, value) in properties { merged[key] = value }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let detail = text(ofCBuffer: errorText)
                throw KafkaError(.configuration, message: "invalid Kafka property \(key): \(detail)")
            }
        }
        return conf
    }
}

/// The NUL-terminated text librdkafka wrote into an error buffer.
func text(ofCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
