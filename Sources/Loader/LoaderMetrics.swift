import Metrics
import Operations
import PurchaseEvents
import Synchronization

/// The loader's Prometheus metrics, and what its `LagSampler` needs to know of the loading thread.
///
/// The loading thread updates counters once per batch (or per poll), never per message: a metric costs an
/// atomic operation, and the loader handles hundreds of thousands of messages a second. Per-partition
/// series are labelled by partition number only, a bounded set; dead letters by `ValidationFailure.Kind`.
final class LoaderMetrics: Sendable {
    static let descriptions: [MetricDescription] = [
        .init("loader_messages_consumed_total", help: "Messages handed to the loader by the consumer."),
        .init("loader_rows_loaded_total", help: "Purchase rows committed to staging_purchases."),
        .init(
            "loader_dead_letters_total", labels: ["reason"],
            help: "Messages committed to dead_letters, by the kind of problem (dead_letters.reason_kind)."),
        .init("loader_batches_total", help: "Load batches committed, one transaction each."),
        .init(
            "loader_batch_commit_seconds", help: "Time to finish and commit a batch (the last rows, ledger, offsets).",
            buckets: MetricDescription.secondsBuckets),
        .init("loader_copy_bytes_total", help: "Bytes sent to Postgres in binary COPY (purchases and dead letters)."),
        .init(
            "loader_fenced_batches_total",
            help: "Batches rolled back because another loader had advanced one of their partitions."),
        .init("loader_reconnects_total", help: "Times the loader lost Postgres and reconnected."),
        .init(
            "loader_partition_lag_messages", labels: ["partition"],
            help: "High watermark minus the stored next offset, per partition this loader owns (sampled each second)."),
        .init(
            "loader_partition_stored_offset", labels: ["partition"],
            help: "The next offset stored in Postgres, per partition this loader owns."),
        .init("loader_lag_messages", help: "The sum of loader_partition_lag_messages."),
        .init("loader_last_commit_age_seconds", help: "Seconds since the last committed batch (or since start)."),
    ]

    let consumed = Counter(label: "loader_messages_consumed_total")
    let rows = Counter(label: "loader_rows_loaded_total")
    /// One counter per kind, in `ValidationFailure.Kind.allCases` order, made at start so every series exists
    /// at zero (a rate over a series that appears only with its first dead letter misses that one).
    let deadLetters = ValidationFailure.Kind.allCases.map {
        Counter(label: "loader_dead_letters_total", dimensions: [("reason", $0.rawValue)])
    }
    let batches = Counter(label: "loader_batches_total")
    let commitDuration = Metrics.Timer(label: "loader_batch_commit_seconds")
    let copyBytes = Counter(label: "loader_copy_bytes_total")
    let fencedBatches = Counter(label: "loader_fenced_batches_total")
    let reconnects = Counter(label: "loader_reconnects_total")
    let totalLag = Gauge(label: "loader_lag_messages")
    let lastCommitAge = Gauge(label: "loader_last_commit_age_seconds")

    /// What the loading thread tells the sampler.
    struct Shared: Sendable {
        /// The partitions this loader owns and their stored next offset as of its last read or commit (nil:
        /// none stored yet).
        var positions: [Int32: Int64?] = [:]
        var lastCommit = ContinuousClock.now
        /// False while the loader waits out a Postgres outage.
        var postgresUp = true
    }

    private let shared = Mutex(Shared())
    /// The per-partition gauges, made when a partition is first sampled and destroyed when it is revoked.
    private let partitionGauges = Mutex<[Int32: (lag: Gauge, offset: Gauge)]>([:])

    init() {}

    /// A batch committed.
    func committed(rows: Int, deadLettersByKind: [Int], copyBytes: Int, duration: Duration) {
        self.rows.increment(by: rows)
        for (kind, count) in deadLettersByKind.enumerated() where count > 0 { deadLetters[kind].increment(by: count) }
        self.copyBytes.increment(by: copyBytes)
        batches.increment()
        commitDuration.record(duration: duration)
        shared.withLock { $0.lastCommit = .now }
    }

    func consumed(_ messages: Int) { consumed.increment(by: messages) }
    func fenced() { fencedBatches.increment() }

    /// Postgres is back after an outage: counted, and `/readyz` may say ready again.
    func reconnected() {
        reconnects.increment()
        postgres(up: true)
    }

    /// The owned partitions and their stored offsets changed (an assignment, a commit, a revocation).
    func positions(_ positions: [Int32: Int64?]) {
        shared.withLock { $0.positions = positions }
    }

    func postgres(up: Bool) {
        shared.withLock {
            $0.postgresUp = up
            // Not stuck for the outage's time: waiting for the database is what /readyz's postgres check says.
            if up { $0.lastCommit = .now }
        }
    }

    var snapshot: Shared { shared.withLock { $0 } }

    /// Sets the per-partition gauges to `rows` and drops those of partitions no longer owned.
    func setLag(_ rows: [LagReader.Row]) {
        let owned = Set(rows.map(\.partition))
        partitionGauges.withLock { gauges in
            for (partition, gauge) in gauges where !owned.contains(partition) {
                gauge.lag.destroy()
                gauge.offset.destroy()
                gauges[partition] = nil
            }
            for row in rows {
                let gauge =
                    gauges[row.partition]
                    ?? (
                        Gauge(label: "loader_partition_lag_messages", dimensions: [("partition", "\(row.partition)")]),
                        Gauge(label: "loader_partition_stored_offset", dimensions: [("partition", "\(row.partition)")])
                    )
                gauges[row.partition] = gauge
                gauge.lag.record(row.lag)
                gauge.offset.record(row.stored ?? row.low)
            }
        }
        totalLag.record(rows.reduce(0) { $0 + $1.lag })
    }

    /// Brings the commit age up to the moment of a scrape.
    func refreshAge() {
        let since = ContinuousClock.now - snapshot.lastCommit
        lastCommitAge.record(since.seconds)
    }
}
