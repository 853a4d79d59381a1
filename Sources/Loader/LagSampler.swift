import Foundation
import KafkaClient
import Logging
import Operations
import ProcessSupport

/// Once a second, while the loader runs with `--metrics-port`: reads the lag of the partitions the loader
/// owns (high watermark from Kafka, stored offset from Postgres, as `loader lag` does), sets the lag
/// gauges, and renews `/readyz`'s three checks:
///
/// - `kafka`: the broker answered;
/// - `postgres`: the sampler's own connection answered and the loader is not waiting out an outage;
/// - `progress`: no messages wait, or a batch committed within `stuckAfter`.
///
/// It runs on its own thread with its own Kafka handle and connection, so the checks stay true while the
/// loading thread is blocked (in a COPY, in an outage's backoff), and a scrape never waits for either.
/// While Postgres is down the stored offsets are the loader's last committed ones, which is what they are.
final class LagSampler: Sendable {
    let metrics: LoaderMetrics
    let readiness: Readiness
    let kafka: KafkaConfiguration
    let topic: String
    let database: String
    let stuckAfter: Duration
    let logger: Logger
    static let interval: UInt64 = 1_000

    init(
        metrics: LoaderMetrics, readiness: Readiness, kafka: KafkaConfiguration, topic: String, database: String,
        stuckAfter: Duration, logger: Logger
    ) {
        self.metrics = metrics
        self.readiness = readiness
        self.kafka = kafka
        self.topic = topic
        self.database = database
        self.stuckAfter = stuckAfter
        self.logger = logger
    }

    /// Starts the sampling thread; it ends once `stop` is signalled.
    func start(stop: StopSignal) {
        let thread = Thread { [self] in
            var reader: LagReader?
            repeat {
                do {
                    if reader == nil {
                        reader = try LagReader(kafka: kafka, topic: topic, database: database, logger: logger)
                    }
                    sample(reader!)
                } catch {
                    readiness.set("kafka", ready: false, "\(error)", validFor: .seconds(10))
                }
            } while stop.wait(milliseconds: Self.interval)
        }
        thread.name = "lag-sampler"
        thread.start()
    }

    /// One round: stored offsets first, then watermarks, so the lag is never understated.
    func sample(_ reader: LagReader) {
        let state = metrics.snapshot
        let owned = state.positions.keys.sorted()
        var stored = state.positions.compactMapValues { $0 }
        do {
            stored.merge(try reader.storedOffsets(owned)) { _, fromDatabase in fromDatabase }
            readiness.set(
                "postgres", ready: state.postgresUp,
                state.postgresUp ? "connected" : "the loader is reconnecting", validFor: .seconds(10))
        } catch {
            readiness.set("postgres", ready: false, "\(error)", validFor: .seconds(10))
        }
        let marks: [Int32: (low: Int64, high: Int64)]
        do {
            marks = owned.isEmpty ? [:] : try reader.watermarks(owned, timeoutMilliseconds: 2_000)
            if owned.isEmpty { _ = try reader.partitionCount() }
            readiness.set("kafka", ready: true, "connected, \(owned.count) partitions owned", validFor: .seconds(10))
        } catch {
            readiness.set("kafka", ready: false, "\(error)", validFor: .seconds(10))
            return
        }
        let rows = owned.map {
            LagReader.Row(partition: $0, low: marks[$0]!.low, high: marks[$0]!.high, stored: stored[$0])
        }
        metrics.setLag(rows)
        let waiting = rows.reduce(0) { $0 + $1.lag }
        let since = ContinuousClock.now - state.lastCommit
        let stuck = waiting > 0 && since > stuckAfter
        readiness.set(
            "progress", ready: !stuck,
            stuck
                ? "\(waiting) messages waiting and no batch committed for \(since.components.seconds) s"
                : "\(waiting) messages waiting", validFor: .seconds(10))
    }
}
