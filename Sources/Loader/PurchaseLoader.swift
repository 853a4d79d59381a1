import KafkaClient
import Logging
import PostgresClient
import ProcessSupport
import PurchaseEvents

/// Loads the purchases topic into `staging_purchases`, exactly once.
///
/// Each batch (up to `batchMaxMessages` or `batchMaxMilliseconds`) is one Postgres transaction holding the
/// valid rows (binary COPY), the dead letters, the ingest-ledger minutes and the advanced offsets. Offsets
/// live only in Postgres: on every assignment the loader starts each partition where the database says, so
/// a crash at any instant either committed a batch whole or not at all, and the next run resumes at the
/// first unloaded message. Kafka-side commits are never made.
///
/// Everything runs on the one thread that calls `run`: polls, rebalance callbacks and database calls.
final class PurchaseLoader: KafkaRebalanceHandler {
    let configuration: LoaderConfiguration
    let kafka: KafkaConfiguration
    let databaseSettings: String
    let logger: Logger
    let offsets: OffsetStore
    /// Counted once per batch or poll; the sampler reads the partitions' positions from it.
    let metrics: LoaderMetrics

    private var db: PostgresConnection!
    private var consumer: KafkaConsumer!
    /// The stored next offset of each assigned partition, as of our last read or commit: the value the fence
    /// expects at commit. A partition missing here is not ours; one mapped to nil had no row in the database.
    private var expected: [Int32: Int64?] = [:]
    /// The partitions the group gave this loader (assigned and not revoked), whether or not their start
    /// offsets could be read yet: what to restart after a fence or a reconnect.
    private var owned = Set<Int32>()
    private var batch: LoadBatch?
    /// The id of the batch whose commit just failed (`commit` lets go of `batch` first), for the log line
    /// that says what an outage rolled back.
    private var failedBatch: Int64?
    /// High watermarks at start, for `untilCaughtUp`.
    private var targets: [Int32: Int64] = [:]
    /// Where the consumer last hit the end of each partition.
    private var endReached: [Int32: Int64] = [:]
    /// Whether a partition end arrived since the loop last asked `reachedTargets` (with `untilCaughtUp`).
    private var partitionEndSeen = false
    private(set) var statistics = LoaderStatistics()
    private var lastProgress = MonotonicClock.nowMilliseconds()
    private var rowsAtLastProgress = 0
    private var firstAssignment: UInt64?
    private var lastMaintenance = MonotonicClock.nowMilliseconds()
    /// When the partitions' high watermarks were last recorded (`recordMarks`).
    private var lastMarks: UInt64 = 0
    /// Messages handled since the consumed counter was last told.
    private var consumedUncounted = 0

    init(
        configuration: LoaderConfiguration, kafka: KafkaConfiguration, databaseSettings: String, logger: Logger,
        metrics: LoaderMetrics = LoaderMetrics()
    ) {
        self.configuration = configuration
        self.kafka = kafka
        self.databaseSettings = databaseSettings
        self.logger = logger
        self.metrics = metrics
        self.offsets = OffsetStore(topic: configuration.topic, groupID: configuration.groupID)
    }

    /// Loads until `stop` is signalled (or, with `untilCaughtUp`, until the topic is loaded up to where it
    /// was at start). The batch in progress is committed before returning.
    ///
    /// An unreachable database or broker at start is an error. Once running, losing Postgres (a restart, a
    /// failover) is waited out: the open batch died with its transaction, so the loader reconnects with
    /// backoff and restarts every partition it owns from the offsets stored in Postgres.
    func run(stop: StopSignal) throws -> LoaderStatistics {
        let started = MonotonicClock.nowNanoseconds()
        db = try PostgresConnection(settings: databaseSettings, applicationName: "purchase-loader")
        logger.info("connected to postgres", metadata: [LogKey.database: "\(db.endpointDescription)"])
        try ensurePartitions()

        consumer = try KafkaConsumer(
            configuration: kafka, groupID: configuration.groupID, topic: configuration.topic, logger: logger,
            rebalanceHandler: self)
        defer { closeConsumer() }
        let partitionCount = try consumer.partitionCount(timeoutMilliseconds: 10_000)
        let staticPartitions = try configuration.staticPartitions?.resolve(
            partitionCount: partitionCount, topic: configuration.topic)
        logger.info(
            staticPartitions == nil ? "consuming as a group member" : "consuming fixed partitions without a group",
            metadata: [
                LogKey.topic: "\(configuration.topic)", LogKey.partitionCount: "\(partitionCount)",
                LogKey.groupID: "\(configuration.groupID)",
                LogKey.partitions: "\(staticPartitions.map { "\($0.count)" } ?? "from the group")",
                LogKey.kafkaSettings: "\(kafka.redactedDescription)",
            ])
        if configuration.untilCaughtUp {
            for partition in 0..<Int32(partitionCount) {
                let marks = try consumer.watermarks(
                    TopicPartition(topic: configuration.topic, partition: partition), timeoutMilliseconds: 10_000)
                targets[partition] = marks.high
            }
            logger.info("will stop once caught up", metadata: ["messages": "\(targets.values.reduce(0, +))"])
        }
        if let staticPartitions {
            let start = try partitionsAssigned(
                staticPartitions.map { TopicPartition(topic: configuration.topic, partition: $0) })
            try consumer.reposition(start)
        } else {
            try consumer.subscribe()
        }

        while true {
            do {
                try load(until: stop)
                break
            } catch let error as PostgresError where error.isOutage {
                guard try reconnect(after: error, stop: stop) else { break }
            }
        }
        let ended = MonotonicClock.nowNanoseconds()
        let assigned = firstAssignment ?? ended
        statistics.joinSeconds = Double(assigned - started) / 1e9
        statistics.loadSeconds = Double(ended - assigned) / 1e9
        statistics.fetchWakeUps = consumer.fetchWakeUps
        logger.info(
            "loader finished",
            metadata: [
                "rows": "\(statistics.rows)", "dead_letters": "\(statistics.deadLetters)",
                "batches": "\(statistics.batches)",
                "redelivered_skipped": "\(statistics.alreadyLoaded)", "fenced_batches": "\(statistics.fencedBatches)",
                "reconnects": "\(statistics.reconnects)", "fetch_wake_ups": "\(statistics.fetchWakeUps)",
            ])
        return statistics
    }

    /// The poll-batch-commit loop; returns after committing the last batch.
    private func load(until stop: StopSignal) throws {
        while !stop.isStopped {
            let now = MonotonicClock.nowMilliseconds()
            var timeout: Int32 = 100
            if let batch {
                let due = batch.openedAt + UInt64(configuration.batchMaxMilliseconds)
                timeout = Int32(clamping: due > now ? min(100, due - now) : 0)
            }
            let got = try consumer.poll(timeoutMilliseconds: timeout) { event in try handle(event) }
            if consumedUncounted > 0 {
                metrics.consumed(consumedUncounted)
                consumedUncounted = 0
            }
            // With untilCaughtUp, the last batch commits as soon as every partition has been read up to its
            // target, instead of staying open until --batch-ms for messages that will not come.
            let finished = configuration.untilCaughtUp && partitionEndSeen && reachedTargets()
            partitionEndSeen = false
            if let batch,
                finished || batch.messageCount >= configuration.batchMaxMessages
                    || MonotonicClock.nowMilliseconds() >= batch.openedAt + UInt64(configuration.batchMaxMilliseconds)
            {
                try commit()
                if configuration.untilCaughtUp, try isCaughtUp() { break }
            } else if !got, batch == nil, configuration.untilCaughtUp, try isCaughtUp() {
                break
            }
            if batch == nil, now - lastMarks >= Self.marksIntervalMilliseconds {
                try recordMarks()
                lastMarks = now
            }
            if now - lastMaintenance >= UInt64(configuration.partitionMaintenanceMilliseconds) {
                try commit()
                try ensurePartitions()
                lastMaintenance = now
            }
            reportProgress()
        }
        try commit()
        try recordMarks()
    }

    /// Waits out a Postgres outage: drops the batch (its transaction is gone), reconnects with backoff, and
    /// restarts the owned partitions from the stored offsets. Returns false if stopped before reconnecting.
    private func reconnect(after error: PostgresError, stop: StopSignal) throws -> Bool {
        let dropped =
            if let batch { "batch \(batch.id) (\(batch.messageCount) messages), to be re-read" } else if let failedBatch
            { "batch \(failedBatch), which failed to commit, to be re-read" } else { "nothing" }
        batch = nil
        failedBatch = nil
        metrics.postgres(up: false)
        let resumed = try PostgresOutage(logger: logger, stop: stop).waitOut(error, lost: dropped) { () -> Bool in
            db = try PostgresConnection(settings: databaseSettings, applicationName: "purchase-loader")
            try restartOwnedPartitions()
            statistics.reconnects += 1
            metrics.reconnected()
            logger.info(
                "resuming partitions from their stored offsets", metadata: [LogKey.partitionCount: "\(owned.count)"])
            return true
        }
        return resumed ?? false
    }

    private func closeConsumer() {
        guard let consumer else { return }
        consumer.close()
        self.consumer = nil
    }

    private func handle(_ event: KafkaConsumerEvent) throws {
        switch event {
        case .message(let message):
            consumedUncounted += 1
            guard let stored = expected[message.partition] else { return }  // not ours (any more)
            if let position = batch?.nextOffsets[message.partition] ?? stored, message.offset < position {
                statistics.alreadyLoaded += 1
                return
            }
            if batch == nil { try openBatch() }
            batch!.add(message, decoder: configuration.decoder, now: .coarseNow())
            if batch!.shouldStream { try batch!.streamPurchases(to: db) }
        case .partitionEnd(let tp, let nextOffset):
            endReached[tp.partition] = nextOffset
            partitionEndSeen = true
        case .error(let error, let tp, _):
            if let tp, error.code == .autoOffsetReset || error.code == .offsetOutOfRange {
                try handleGap(tp)
            } else {
                logger.warning(
                    "kafka error on a partition",
                    metadata: [LogKey.error: "\(error)", LogKey.partition: "\(tp.map { "\($0)" } ?? "-")"])
            }
        }
    }

    /// Starts a batch: a new id and a transaction its rows stream into as they arrive.
    private func openBatch() throws {
        let id = try nextBatchID()
        try db.execute(script: "begin")
        batch = LoadBatch(id: id)
        failedBatch = nil
    }

    /// Commits the open batch, if any; rolls it back if the fence says another loader owns one of its
    /// partitions now. On any other error the transaction is rolled back and the error thrown.
    private func commit() throws {
        guard var batch else { return }
        self.batch = nil
        let started = ContinuousClock.now
        do {
            guard try batch.write(to: db, groupID: configuration.groupID, offsets: offsets, expected: expected) else {
                throw PipelineError(.fenced, "another loader advanced a partition of batch \(batch.id)")
            }
            try db.execute(script: "commit")
        } catch let error as PipelineError where error.code == .fenced {
            db.rollbackQuietly()
            statistics.fencedBatches += 1
            metrics.fenced()
            logger.warning(
                "batch dropped: another loader advanced one of its partitions; re-reading offsets",
                metadata: [LogKey.batchID: "\(batch.id)", LogKey.partitions: "\(batch.nextOffsets.keys.sorted())"])
            try restartOwnedPartitions()
            return
        } catch {
            db.rollbackQuietly()
            failedBatch = batch.id
            throw error
        }
        for (partition, next) in batch.nextOffsets { expected[partition] = next }
        metrics.committed(
            rows: batch.rows.purchases.rowCount, deadLettersByKind: batch.rows.deadLettersByKind,
            copyBytes: batch.copyBytes, duration: ContinuousClock.now - started)
        metrics.positions(expected)
        statistics.batches += 1
        statistics.rows += batch.rows.purchases.rowCount
        statistics.deadLetters += batch.rows.deadLetters.rowCount
        logger.debug(
            "committed batch",
            metadata: [
                LogKey.batchID: "\(batch.id)", LogKey.rows: "\(batch.rows.purchases.rowCount)",
                LogKey.deadLetters: "\(batch.rows.deadLetters.rowCount)",
            ])
    }

    /// Forgets local positions and restarts every owned partition from the database: after a fence, a
    /// reconnect, or an accepted retention gap.
    private func restartOwnedPartitions() throws {
        if try !consumer.reposition(try startPositions(Array(owned))) {
            logger.info("partitions lost to the group; waiting for their revocation and a new assignment")
        }
    }

    /// A stored offset fell off the broker. Never skip silently: stop, or record the gap and move on.
    private func handleGap(_ tp: TopicPartition) throws {
        // What was read before the gap is good: keep it, and measure the gap from where it ends.
        try commit()
        let marks = try consumer.watermarks(tp, timeoutMilliseconds: 10_000)
        guard let from = expected[tp.partition] ?? nil, from < marks.low else {
            let stored = (expected[tp.partition] ?? nil).map { "\($0)" } ?? "none"
            throw PipelineError(
                .retentionGap,
                "partition \(tp): stored offset \(stored) is outside what the broker holds "
                    + "(\(marks.low)..<\(marks.high)); was the topic recreated?")
        }
        try acceptGap(tp, from: from, to: marks.low, stored: from)
        try restartOwnedPartitions()
    }

    /// Messages `from..<to` of a partition were deleted before they were loaded. By default that stops the
    /// loader with an error naming the partition and the size of the gap; with `--on-gap skip` the gap is
    /// recorded in `loader_offset_gaps` and the stored offset moves to `to`, in one transaction.
    private func acceptGap(_ tp: TopicPartition, from: Int64, to: Int64, stored: Int64?) throws {
        let missing = to - from
        guard configuration.onGap == .skip else {
            throw PipelineError(
                .retentionGap,
                "partition \(tp): the next offset to load, \(from), is no longer on the broker (earliest is \(to)): "
                    + "\(missing) messages were deleted by retention before they were loaded. "
                    + "Run with --on-gap skip to accept the loss; it is then recorded in loader_offset_gaps.")
        }
        try db.withTransaction { db in
            try db.query(
                "insert into loader_offset_gaps (topic, partition, from_offset, to_offset, consumer_group) values ($1, $2, $3, $4, $5)",
                [tp.topic, String(tp.partition), String(from), String(to), configuration.groupID])
            guard try offsets.advance(db, expected: [tp.partition: stored], next: [tp.partition: to]) else {
                throw PipelineError(.fenced, "partition \(tp) moved to another loader while recording a gap")
            }
        }
        logger.warning(
            "skipped messages deleted by retention; recorded in loader_offset_gaps",
            metadata: [LogKey.partition: "\(tp)", "offsets": "\(from)..<\(to)", "messages": "\(missing)"])
    }

    /// Whether the consumer has reached the end of every partition at or past its target: everything the
    /// topic held at start has been handed to this loader (committed or in the open batch). Asks nothing of
    /// Postgres; `isCaughtUp` then confirms against the stored offsets.
    private func reachedTargets() -> Bool {
        targets.allSatisfy { partition, target in target <= 0 || (endReached[partition] ?? 0) >= target }
    }

    private func isCaughtUp() throws -> Bool {
        let stored = try offsets.readAll(db)
        for (partition, target) in targets where target > 0 {
            let reached = max(stored[partition] ?? 0, endReached[partition] ?? 0)
            if reached < target { return false }
        }
        return true
    }

    private func nextBatchID() throws -> Int64 {
        try db.query("select nextval('load_batch_ids')").scalar(Int64.self)
    }

    /// How often `recordMarks` runs: the dashboards' lag is at most this old while the loader runs.
    static let marksIntervalMilliseconds: UInt64 = 10_000

    /// Records the owned partitions' high watermarks as the consumer last saw them (no broker call) in
    /// `loader_partition_marks`, for the dashboards' "lag as last recorded". Between batches, in a statement
    /// of its own.
    private func recordMarks() throws {
        var partitions: [Int64] = []
        var highs: [Int64] = []
        for partition in expected.keys.sorted() {
            guard
                let high = consumer.cachedHighWatermark(
                    TopicPartition(topic: configuration.topic, partition: partition))
            else { continue }
            partitions.append(Int64(partition))
            highs.append(high)
        }
        guard !partitions.isEmpty else { return }
        try db.query(
            """
            insert into loader_partition_marks (topic, partition, high_watermark, observed_at)
            select $1, p, h, now() from unnest($2::integer[], $3::bigint[]) as m (p, h)
            on conflict (topic, partition) do update
            set high_watermark = excluded.high_watermark, observed_at = excluded.observed_at
            """, [configuration.topic, PostgresArray.integers(partitions), PostgresArray.integers(highs)])
    }

    private func ensurePartitions() throws {
        let created = try db.query(
            "select ensure_staging_partitions((now() at time zone 'UTC')::date - 1, (now() at time zone 'UTC')::date + $1::int)",
            [String(configuration.partitionsAheadDays)]
        ).scalar(Int.self)
        if created > 0 {
            logger.info("created daily partitions of staging_purchases", metadata: ["created": "\(created)"])
        }
    }

    private func reportProgress() {
        let now = MonotonicClock.nowMilliseconds()
        guard now - lastProgress >= 5_000 else { return }
        let rate = Double(statistics.rows - rowsAtLastProgress) * 1000 / Double(now - lastProgress)
        logger.info(
            "progress",
            metadata: [
                "rows": "\(statistics.rows)", "dead_letters": "\(statistics.deadLetters)",
                "rows_per_s": "\(Int(rate))", "partitions": "\(expected.count)",
            ])
        lastProgress = now
        rowsAtLastProgress = statistics.rows
    }

    // MARK: KafkaRebalanceHandler

    func partitionsAssigned(_ partitions: [TopicPartition]) throws -> [TopicPartition: KafkaOffset] {
        // A cooperative rebalance can add partitions mid-batch; the connection is busy with its COPY.
        try commit()
        let ours = partitions.filter { $0.topic == configuration.topic }.map(\.partition)
        owned.formUnion(ours)
        let start = try startPositions(ours)
        if firstAssignment == nil { firstAssignment = MonotonicClock.nowNanoseconds() }
        logger.info(
            "partitions assigned",
            metadata: [LogKey.partitionCount: "\(ours.count)", LogKey.partitions: "\(ours.sorted())"])
        return start
    }

    /// Where each partition starts: its stored offset, else the beginning. Sets `expected`, the value the
    /// fence checks at commit. Only valid with no batch open, since local positions are dropped.
    private func startPositions(_ partitions: [Int32]) throws -> [TopicPartition: KafkaOffset] {
        let stored = try offsets.read(db, partitions: partitions)
        var start: [TopicPartition: KafkaOffset] = [:]
        for partition in partitions {
            let tp = TopicPartition(topic: configuration.topic, partition: partition)
            endReached[partition] = nil
            if let offset = stored[partition] {
                expected[partition] = offset
                start[tp] = KafkaOffset(offset)
                continue
            }
            // Never loaded: start at offset 0. If retention already deleted the start of the partition,
            // that is a gap like any other, not a silent jump to the earliest offset.
            let low = try consumer.watermarks(tp, timeoutMilliseconds: 10_000).low
            if low > 0 {
                try acceptGap(tp, from: 0, to: low, stored: nil)
                expected[partition] = low
                start[tp] = KafkaOffset(low)
            } else {
                expected.updateValue(nil, forKey: partition)  // ours, with no stored offset
                start[tp] = .beginning
            }
        }
        metrics.positions(expected)
        return start
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        do {
            try commit()
        } catch {
            // Nothing of the batch was committed; the next owner loads it.
            logger.warning("batch abandoned at revocation", metadata: [LogKey.error: "\(error)"])
        }
        for tp in partitions where tp.topic == configuration.topic {
            owned.remove(tp.partition)
            expected[tp.partition] = nil
            endReached[tp.partition] = nil
        }
        metrics.positions(expected)
        logger.info("partitions revoked", metadata: [LogKey.partitionCount: "\(partitions.count)"])
    }
}
