import CRdKafka

/// Every failure from librdkafka as one Swift error, carrying librdkafka's own code and message.
///
/// The code is a struct with static constants rather than a frozen enum, so librdkafka codes we never named
/// still round-trip (`KafkaError.Code(rawValue:)`).
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// librdkafka's `rd_kafka_resp_err_t` value; negative codes are client-side, positive ones the broker's.
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }

        /// librdkafka's name for the code, e.g. `_TRANSPORT` or `OFFSET_OUT_OF_RANGE`.
        public var description: String {
            rawValue == Code.configuration.rawValue
                ? "configuration" : String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue)))
        }

        public static let configuration = Code(rawValue: -10_000)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let offsetOutOfRange = Code(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
        public static let autoOffsetReset = Code(RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
    }

    public let code: Code
    /// librdkafka's message (or ours, for configuration problems).
    public let message: String
    public let isFatal: Bool
    public let isRetriable: Bool
    public let file: String
    public let line: Int

    public init(
        _ code: Code, message: String, isFatal: Bool = false, isRetriable: Bool = false,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.file = file
        self.line = line
    }

    init(_ err: rd_kafka_resp_err_t, message: String? = nil, file: String = #fileID, line: Int = #line) {
        self.init(
            Code(err), message: message ?? String(cString: rd_kafka_err2str(err)),
            file: file, line: line)
    }

    /// The fatal error the client has raised, nil while it has none. librdkafka keeps this state itself (an
    /// `_FATAL` event only says there is one); asking is one atomic read until there is.
    static func fatal(of handle: OpaquePointer, file: String = #fileID, line: Int = #line) -> KafkaError? {
        guard rd_kafka_fatal_error(handle, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        var reason = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &reason, reason.count)
        return KafkaError(
            Code(err), message: "fatal: " + text(ofCBuffer: reason), isFatal: true, file: file, line: line)
    }

    /// Builds the error from a `rd_kafka_error_t`, destroying it.
    init(consuming error: OpaquePointer, file: String = #fileID, line: Int = #line) {
        self.init(
            Code(rd_kafka_error_code(error)), message: String(cString: rd_kafka_error_string(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0, isRetriable: rd_kafka_error_is_retriable(error) != 0,
            file: file, line: line)
        rd_kafka_error_destroy(error)
    }

    public var description: String { "kafka \(code): \(message)" }
}
