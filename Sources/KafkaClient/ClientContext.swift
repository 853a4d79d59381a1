import CRdKafka
import Logging

/// State librdkafka's C callbacks need, reached through the client's opaque pointer.
///
/// Log and error callbacks run on librdkafka's own threads, so everything here is either immutable or
/// only touched by the one thread that polls (delivery reports and rebalances are served inside poll).
final class ClientContext: @unchecked Sendable {
    let logger: Logger
    /// Delivery outcome counters, updated from inside `rd_kafka_poll`/`rd_kafka_flush`.
    var delivered = 0
    var deliveryFailed = 0
    var firstDeliveryError: KafkaError?
    /// Called inside `rd_kafka_consumer_poll` on the polling thread; weak, since the handler owns the consumer.
    weak var rebalanceHandler: (any KafkaRebalanceHandler)?
    /// An error a rebalance handler raised, rethrown by the poll that served it.
    var rebalanceError: (any Error)?

    init(logger: Logger) { self.logger = logger }

    /// Installs the callbacks that route librdkafka's logs and client errors into swift-log.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, text in
            guard let context = ClientContext.from(rk) else { return }
            let fac = facility.map { String(cString: $0) } ?? "-"
            let message = text.map { String(cString: $0) } ?? ""
            // syslog levels: 0-3 error, 4 warning, 5-6 info/notice, 7 debug.
            let mapped: Logger.Level = level <= 3 ? .error : level == 4 ? .warning : level <= 6 ? .info : .debug
            context.logger.log(
                level: mapped, "librdkafka log", metadata: ["kafka.facility": "\(fac)", "kafka.log": "\(message)"])
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            guard let context = ClientContext.from(rk) else { return }
            let message = reason.map { String(cString: $0) } ?? ""
            let code = KafkaError.Code(rawValue: err)
            // Transport hiccups are routine (librdkafka reconnects); say them quietly.
            let level: Logger.Level = code == .allBrokersDown || code == .fatal ? .error : .warning
            context.logger.log(
                level: level, "kafka client error", metadata: ["kafka.error": "\(code)", "kafka.reason": "\(message)"])
        }
    }

    static func from(_ rk: OpaquePointer?) -> ClientContext? {
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// The owner of a consumer decides where assigned partitions start and what happens to work on revoked ones.
///
/// Both calls happen on the polling thread, inside `poll`, so the owner needs no locks.
public protocol KafkaRebalanceHandler: AnyObject {
    /// Returns where each newly assigned partition starts; a partition left out starts at the beginning.
    func partitionsAssigned(_ partitions: [TopicPartition]) throws -> [TopicPartition: KafkaOffset]
    /// Called before the partitions are taken away.
    func partitionsRevoked(_ partitions: [TopicPartition])
}
