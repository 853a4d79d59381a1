import CRdKafka

#if canImport(Glibc)
    import Glibc
#endif

/// Wakes librdkafka's fetchers as soon as the application has drained its prefetched messages.
///
/// librdkafka before 2.2 stops fetching while the consumer queue holds `queued.min.messages` (or
/// `queued.max.messages.kbytes`) and decides again only when a broker thread next wakes up, which with nothing
/// else to do is a second later. A loader that drains 100,000 messages in 0.4 s thus waited 0.6 s of every
/// second (measured: a plateau of 115,000–180,000 messages/s). 2.2 made that wait a setting,
/// `fetch.queue.backoff.ms`; 2.0.2, what Debian ships, has none.
///
/// The one public call that wakes every broker thread without touching fetch positions, versions or
/// prefetched messages is `rd_kafka_sasl_set_credentials`: it stores the credentials for future connections
/// and wakes the brokers so they use them. This passes the credentials already configured (none on a
/// plaintext cluster), so nothing else changes. Resuming unpaused partitions, seeking or committing would
/// wake a broker too, but either purge the prefetched messages or wake only the group coordinator.
final class FetchWakeUp {
    private let handle: OpaquePointer
    private let queue: OpaquePointer
    /// Wake the fetchers when fewer messages than this are queued: half of what librdkafka stops at, so a
    /// fetch round trip completes before the application runs dry.
    private let lowWater: Int
    private let username: String
    private let password: String
    private var polls: UInt32 = 0
    private var lastWakeUp: UInt64 = 0
    /// How often the fetchers were woken, for the consumer's statistics.
    private(set) var wakeUps = 0

    /// Nil where librdkafka has `fetch.queue.backoff.ms` (2.2 and later): set that instead.
    init?(handle: OpaquePointer) {
        guard rd_kafka_version() < 0x0202_00ff, let queue = rd_kafka_queue_get_consumer(handle) else { return nil }
        self.handle = handle
        self.queue = queue
        let conf = rd_kafka_conf(handle)
        func setting(_ name: String) -> String? {
            var size = 0
            guard rd_kafka_conf_get(conf, name, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
            var buffer = [CChar](repeating: 0, count: size)
            guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
            return text(ofCBuffer: buffer)
        }
        lowWater = (setting("queued.min.messages").flatMap(Int.init) ?? 100_000) / 2
        username = setting("sasl.username") ?? ""
        password = setting("sasl.password") ?? ""
    }

    /// Releases the queue reference; must run before the handle is destroyed.
    func close() {
        rd_kafka_queue_destroy(queue)
    }

    /// Called before each poll; looks at the queue every 64 polls, or at once when the last poll found
    /// nothing, and wakes the fetchers at most every 5 ms.
    func beforePoll(lastPollWasEmpty: Bool) {
        polls &+= 1
        guard lastPollWasEmpty || polls & 63 == 0 else { return }
        guard rd_kafka_queue_length(queue) < lowWater else { return }
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &time)
        let now = UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        guard now &- lastWakeUp >= 5_000_000 else { return }
        lastWakeUp = now
        if let error = rd_kafka_sasl_set_credentials(handle, username, password) {
            rd_kafka_error_destroy(error)  // only refuses missing strings, which we never pass
        } else {
            wakeUps += 1
        }
    }
}
