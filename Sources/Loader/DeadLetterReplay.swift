import Logging
import PostgresClient
import ProcessSupport
import PurchaseEvents

/// Re-decodes dead letters under today's rules and loads those that now pass, each exactly once.
///
/// When a rule is relaxed (yen without a fraction were refused while money meant hundredths), the messages
/// it refused are still in `dead_letters`, byte for byte. A replay reads them in chunks, oldest first, and
/// for each chunk, in one transaction: loads the ones that decode into `staging_purchases` with the
/// message's own topic, partition and offset, writes their minutes to the ingest ledger and a lineage row
/// (`load_batches.origin = 'replay'`), and marks them replayed. So killing it loses nothing and running it
/// again loads nothing twice. The ones that still fail stay, with today's reason.
struct DeadLetterReplay: Sendable {
    struct Filter: Sendable {
        /// Only dead letters of this `reason_kind` (as stored: the kind of the rule that refused them).
        var reasonKind: String?
        /// Only dead letters received at or after this time.
        var from: String?
        /// Only dead letters received before this time.
        var to: String?
    }

    /// What a replay did (or, dry, would do), counted by the kind each dead letter had before.
    struct Outcome: Equatable, Sendable {
        var loaded: [String: Int] = [:]
        var stillFailing: [String: Int] = [:]
        /// Dead letters whose reason changed under today's rules.
        var reasonsUpdated = 0

        var loadedCount: Int { loaded.values.reduce(0, +) }
        var failingCount: Int { stillFailing.values.reduce(0, +) }
    }

    let filter: Filter
    var chunkSize = 1_000
    var decoder = PurchaseDecoder()
    let logger: Logger

    /// Serializes replays: two at once would each load a chunk the other has not marked yet.
    static let lockKey = "purchase-stream.dead-letter-replay"

    func run(_ db: PostgresConnection, dryRun: Bool, stop: StopSignal) throws -> Outcome {
        var outcome = Outcome()
        var after: Int64 = 0
        let total = try db.query(
            """
            select count(*) from dead_letters
            where replayed_at is null and ($1::text is null or reason_kind = $1)
              and ($2::timestamptz is null or received_at >= $2) and ($3::timestamptz is null or received_at < $3)
            """, [filter.reasonKind, filter.from, filter.to]
        ).scalar(Int.self)
        logger.info("replaying dead letters", metadata: ["dead_letters": "\(total)", "dry_run": "\(dryRun)"])
        while !stop.isStopped {
            let last = try db.withTransaction { db in try replayChunk(after: after, db, dryRun: dryRun, into: &outcome)
            }
            guard let last else { break }
            after = last
            logger.info(
                "replay progress",
                metadata: [
                    "examined": "\(outcome.loadedCount + outcome.failingCount)", "of": "\(total)",
                    "loaded": "\(outcome.loadedCount)", "still_failing": "\(outcome.failingCount)",
                ])
        }
        if stop.isStopped { throw PipelineError(.stopped, "stopped; the chunks committed so far stay replayed") }
        return outcome
    }

    /// One chunk in the caller's transaction; returns its last dead letter's id, nil when none was left.
    private func replayChunk(after: Int64, _ db: PostgresConnection, dryRun: Bool, into outcome: inout Outcome)
        throws -> Int64?
    {
        guard try db.query("select pg_try_advisory_xact_lock(hashtext($1))", [Self.lockKey]).scalar(Bool.self) else {
            throw PipelineError(.configuration, "another replay-dead-letters is running; try again when it is done")
        }
        let retention = try db.query(
            """
            select (extract(epoch from kept_from) * 1000000)::bigint,
                   to_char(kept_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            from staging_retention
            """)
        let keptFrom =
            retention.rowCount == 0
            ? nil
            : (
                time: EventTime(microsecondsSinceEpoch: try retention.value(Int64.self, row: 0, column: 0)),
                text: try retention.value(String.self, row: 0, column: 1)
            )
        let found = try db.query(
            """
            select id, kafka_topic, kafka_partition, kafka_offset, message_value, coalesce(reason_kind, ''), reason
            from dead_letters
            where replayed_at is null and id > $1 and ($2::text is null or reason_kind = $2)
              and ($3::timestamptz is null or received_at >= $3) and ($4::timestamptz is null or received_at < $4)
            order by id limit $5
            for update
            """, [String(after), filter.reasonKind, filter.from, filter.to, String(chunkSize)])
        guard found.rowCount > 0 else { return nil }
        let batchID = dryRun ? 0 : try db.query("select nextval('load_batch_ids')").scalar(Int64.self)
        var rows = StagingRows(batchID: batchID)
        var replayed: [Int64] = []
        var reasons: [(id: Int64, reason: String, kind: String)] = []
        let now = EventTime.now()
        for row in 0..<found.rowCount {
            let id = try found.value(Int64.self, row: row, column: 0)
            let oldKind = try found.value(String.self, row: row, column: 5)
            let value = try found.optionalValue([UInt8].self, row: row, column: 4)
            let result: Result<PurchaseEvent, ValidationFailure> = Self.decode(value, decoder, now: now)
            switch result {
            case .success(let event) where keptFrom.map({ event.createdAt < $0.time }) ?? false:
                outcome.stillFailing[oldKind, default: 0] += 1
                reasons.append(
                    (
                        id,
                        "created_at \(event.createdAt) is before raw retention's kept_from \(keptFrom!.text): its window's raw rows are gone, and a pass would replace the window's kept totals with this event alone",
                        ValidationFailure.Kind.badTime.rawValue
                    ))
            case .success(let event):
                outcome.loaded[oldKind, default: 0] += 1
                replayed.append(id)
                rows.add(
                    event,
                    origin: MessageOrigin(
                        topic: try found.value(String.self, row: row, column: 1),
                        partition: try found.value(Int32.self, row: row, column: 2),
                        offset: try found.value(Int64.self, row: row, column: 3)))
            case .failure(let failure):
                outcome.stillFailing[oldKind, default: 0] += 1
                reasons.append((id, failure.reason, failure.kind.rawValue))
            }
        }
        let last = try found.value(Int64.self, row: found.rowCount - 1, column: 0)
        guard !dryRun else { return last }
        if !replayed.isEmpty {
            rows.purchases.finish()
            let copied = try db.copyFrom(
                "copy staging_purchases (\(StagingRows.purchaseColumns)) from stdin (format binary)"
            ) { writer in try rows.purchases.withUnsafeBytes { try writer.write($0) } }
            guard copied == replayed.count else {
                throw PipelineError(.copyIncomplete, "COPY stored \(copied) replayed rows, expected \(replayed.count)")
            }
            try LoadBatch.writeLedger(rows.minutes, batch: batchID, to: db)
            try LoadBatch.writeLineage(
                batch: batchID, groupID: "dead-letter replay", rows: replayed.count, deadLetters: 0, origin: "replay",
                to: db)
            try db.query(
                "update dead_letters set replayed_at = now(), replay_batch_id = $1 where id = any($2::bigint[])",
                [String(batchID), PostgresArray.integers(replayed)])
        }
        if !reasons.isEmpty {
            let updated = try db.query(
                """
                update dead_letters as d set reason = r.reason, reason_kind = r.kind
                from unnest($1::bigint[], $2::text[], $3::text[]) as r (id, reason, kind)
                where d.id = r.id and (d.reason, d.reason_kind) is distinct from (r.reason, r.kind)
                """,
                [
                    PostgresArray.integers(reasons.map(\.id)), PostgresArray.text(reasons.map(\.reason)),
                    PostgresArray.text(reasons.map(\.kind)),
                ])
            outcome.reasonsUpdated += updated.affectedRows
        }
        return last
    }

    private static func decode(_ value: [UInt8]?, _ decoder: PurchaseDecoder, now: EventTime) -> Result<
        PurchaseEvent, ValidationFailure
    > {
        guard let value else {
            return Result { () throws(ValidationFailure) in try decoder.decode(nil, now: now) }
        }
        return value.withUnsafeBytes { raw in
            Result { () throws(ValidationFailure) in try decoder.decode(raw, now: now) }
        }
    }
}
