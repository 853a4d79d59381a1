import KafkaClient
import Logging
import ProcessSupport
import PurchaseEvents

/// Produces simulated purchases to Kafka at a controlled rate, with late, duplicate, invalid and hostile
/// messages mixed in on demand.
///
/// Valid purchases are counted only once acknowledged: the producer is idempotent with `acks=all`, flushed
/// before the summary, and any delivery failure makes the run fail, so "delivered" in the summary is a
/// promise the loader's totals can be checked against.
final class PurchaseGenerator {
    let configuration: GeneratorConfiguration
    let kafka: KafkaConfiguration
    let topic: String
    let logger: Logger

    init(configuration: GeneratorConfiguration, kafka: KafkaConfiguration, topic: String, logger: Logger) {
        self.configuration = configuration
        self.kafka = kafka
        self.topic = topic
        self.logger = logger
    }

    func run(stop: StopSignal) throws -> GeneratorSummary {
        let producer = try KafkaProducer(configuration: kafka, topic: topic, logger: logger)
        let partitions = try producer.partitionCount(timeoutMilliseconds: 10_000)
        logger.info(
            "producing",
            metadata: [
                LogKey.topic: "\(topic)", LogKey.partitionCount: "\(partitions)",
                "rate": "\(configuration.rate.map { "\($0)/s" } ?? "unlimited")", "seed": "\(configuration.seed)",
                LogKey.kafkaSettings: "\(kafka.redactedDescription)",
            ])

        var simulator = PurchaseSimulator(
            seed: configuration.seed, users: configuration.users, rates: configuration.rates,
            foreignCurrencyFraction: configuration.foreignCurrencyFraction)
        var summary = GeneratorSummary()
        // Per currency index, so that the hot loop adds without hashing a currency code.
        var amounts = [Money?](repeating: nil, count: PurchaseSimulator.currencyCodes.count)

        var recent: [(key: [UInt8], value: [UInt8])] = []
        // Each valid event's key and JSON are written here and handed to librdkafka, which copies them.
        let valueBuffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: simulator.maximumJSONBytes)
        let keyBuffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: PurchaseSimulator.userIDBound)
        defer {
            valueBuffer.deallocate()
            keyBuffer.deallocate()
        }
        let started = MonotonicClock.nowNanoseconds()
        let startWall = EventTime.now()
        var lastProgress = started
        var index = 0

        while !stop.isStopped {
            if let count = configuration.count, index >= count { break }
            // Reading the clock for every event cost 7 % of an unlimited run; without a rate to keep, every
            // 256th event is often enough for the duration limit and the progress line.
            let checkClock = configuration.rate != nil || index & 255 == 0
            let elapsed = checkClock ? MonotonicClock.nowNanoseconds() - started : 0
            if checkClock, let limit = configuration.durationMilliseconds, elapsed >= limit * 1_000_000 { break }
            if let rate = configuration.rate {
                let due = UInt64(Double(index) / rate * 1e9)
                if due > elapsed {
                    try producer.poll()
                    let wait = due - elapsed
                    if wait > 200_000 { stop.wait(nanoseconds: min(wait, 100_000_000)) }
                    continue
                }
            }

            let roll = simulator.unit()
            let duplicate = roll < configuration.duplicateFraction
            let invalid = !duplicate && roll < configuration.duplicateFraction + configuration.invalidFraction
            let hostile =
                !duplicate && !invalid
                && roll < configuration.duplicateFraction + configuration.invalidFraction
                    + configuration.hostileFraction
            if duplicate || (hostile && simulator.next(below: 25) == 0), !recent.isEmpty {
                // An upstream retry: an earlier valid purchase again, byte for byte (also one hostile kind).
                let original = recent[Int(simulator.next(below: UInt64(recent.count)))]
                try send(producer, key: original.key, value: original.value, into: &summary)
                summary.duplicates += 1
                if hostile { summary.hostile += 1 }
            } else {
                var createdAt = eventTime(index: index, startWall: startWall)
                let late = simulator.unit() < configuration.lateFraction
                if late {
                    let lateness = 1_000 + simulator.next(below: max(1, configuration.maxLatenessMilliseconds))
                    createdAt.microsecondsSinceEpoch -= Int64(lateness) * 1_000
                }
                let purchase = simulator.nextDraw(createdAt: createdAt)
                let value = UnsafeRawBufferPointer(
                    UnsafeBufferPointer(rebasing: valueBuffer[..<simulator.encodeJSON(purchase, into: valueBuffer)]))
                let key = UnsafeRawBufferPointer(
                    UnsafeBufferPointer(rebasing: keyBuffer[..<simulator.encodeKey(purchase, into: keyBuffer)]))
                var kind: HostileMessage?
                if invalid {
                    kind =
                        HostileMessage.invalidKinds[
                            Int(simulator.next(below: UInt64(HostileMessage.invalidKinds.count)))]
                } else if hostile {
                    // About two oversized values per 10,000 hostile messages: each takes a fifth of what a
                    // dev-broker partition keeps.
                    kind =
                        summary.hostile % 5_000 == 2_500
                        ? .oversizedValue
                        : HostileMessage.randomHostileKinds[
                            Int(simulator.next(below: UInt64(HostileMessage.randomHostileKinds.count)))]
                    summary.hostile += 1
                }
                if let kind {
                    let message = kind.make(from: Array(value), key: Array(key), purchase: simulator.event(purchase))
                    try send(producer, key: message.key, value: message.value, into: &summary)
                    if !kind.loads { summary.invalid += 1 }
                }
                if kind?.loads ?? true {
                    if kind == nil { try send(producer, key: key, value: value, into: &summary) }
                    summary.validPurchases += 1
                    summary.validItems += Int(purchase.quantity)
                    let currency = purchase.currencyIndex
                    amounts[currency] = amounts[currency].map { $0 + purchase.amount } ?? purchase.amount
                    if late { summary.lateEvents += 1 }
                    if kind == nil, configuration.duplicateFraction > 0 || configuration.hostileFraction > 0 {
                        let copy = (key: Array(key), value: Array(value))
                        if recent.count < 1_000 { recent.append(copy) } else { recent[index % 1_000] = copy }
                    }
                }
            }
            index += 1
            if index % 1_000 == 0 { try producer.poll() }
            let now = checkClock ? MonotonicClock.nowNanoseconds() : lastProgress
            if now - lastProgress >= 5_000_000_000 {
                let seconds = Double(now - started) / 1e9
                logger.info(
                    "progress",
                    metadata: [
                        "messages": "\(summary.messages)", "delivered": "\(producer.deliveredCount)",
                        "rate": "\(Int(Double(summary.messages) / seconds))/s",
                    ])
                lastProgress = now
            }
        }

        logger.info("flushing", metadata: ["in_flight": "\(producer.inFlight)"])
        try producer.flush(timeoutMilliseconds: 120_000)
        summary.delivered = producer.deliveredCount
        summary.failed = producer.failedCount
        summary.seconds = Double(MonotonicClock.nowNanoseconds() - started) / 1e9
        if let error = producer.firstDeliveryError {
            throw PipelineError(
                .delivery, "\(summary.failed) of \(summary.messages) messages were not delivered; first error: \(error)"
            )
        }
        for (k, amount) in amounts.enumerated() {
            if let amount { summary.validAmounts[PurchaseSimulator.currencyCodes[k]] = amount }
        }
        return summary
    }

    /// Sends one message; a nil key or value is sent as Kafka's null, not as empty bytes.
    private func send(_ producer: KafkaProducer, key: [UInt8]?, value: [UInt8]?, into summary: inout GeneratorSummary)
        throws
    {
        func withBytes(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> Void) rethrows {
            if let bytes { try bytes.withUnsafeBytes { try body($0) } } else { try body(nil) }
        }
        try withBytes(key) { k in try withBytes(value) { v in try send(producer, key: k, value: v, into: &summary) } }
    }

    /// Sends one message from borrowed bytes (librdkafka copies them); nil is Kafka's null.
    private func send(
        _ producer: KafkaProducer, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        into summary: inout GeneratorSummary
    ) throws {
        try producer.send(key: key, value: value)
        summary.messages += 1
        summary.bytes += value?.count ?? 0
    }

    /// The event time of message `index`: the wall clock, or a point on the backfill span.
    private func eventTime(index: Int, startWall: EventTime) -> EventTime {
        guard let span = configuration.backfillMilliseconds, let count = configuration.count, count > 0 else {
            return .now()
        }
        let offset = Int64(span) * 1_000 * Int64(index) / Int64(count)
        return EventTime(microsecondsSinceEpoch: startWall.microsecondsSinceEpoch - Int64(span) * 1_000 + offset)
    }
}
