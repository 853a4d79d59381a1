import KafkaClient
import PostgresClient
import ProcessSupport
import PurchaseEvents

/// One loader transaction: the rows it will write, and the Postgres side of writing them.
///
/// The valid rows are streamed to the server while the batch is still filling (`streamPurchases`), so
/// Postgres ingests one part while the loader decodes the next; nothing is visible until the transaction
/// commits, and dropping a batch (a rebalance took its partitions, a fence tripped) is a rollback.
struct LoadBatch {
    /// Stream the encoded rows once this many bytes are buffered: 64 KiB.
    static let streamThreshold = 1 << 16

    let id: Int64
    let openedAt: UInt64
    var rows: StagingRows
    /// Whether the COPY into staging_purchases has been started on the connection.
    private(set) var copyStarted = false
    /// Bytes sent in COPY so far (purchases, then dead letters), for the loader's metric.
    private(set) var copyBytes = 0

    init(id: Int64) {
        self.id = id
        self.openedAt = MonotonicClock.nowMilliseconds()
        self.rows = StagingRows(batchID: id, reservingCapacity: 2 * Self.streamThreshold)
    }

    var messageCount: Int { rows.messageCount }
    var nextOffsets: [Int32: Int64] { rows.nextOffsets }

    /// Adds one consumed message: a purchase row if it decodes and validates, else a dead letter.
    mutating func add(_ message: KafkaMessage, decoder: PurchaseDecoder, now: EventTime) {
        rows.add(
            value: message.value, key: message.key,
            origin: MessageOrigin(topic: message.topic, partition: message.partition, offset: message.offset),
            decoder: decoder, now: now)
    }

    /// Whether enough rows are buffered to send them now.
    var shouldStream: Bool { rows.purchases.byteCount >= Self.streamThreshold }

    /// Sends the rows encoded so far into the COPY, starting it on first use. Call inside the batch's
    /// transaction; between calls the connection may run nothing else.
    mutating func streamPurchases(to db: PostgresConnection) throws {
        if !copyStarted {
            try db.beginCopy("copy staging_purchases (\(StagingRows.purchaseColumns)) from stdin (format binary)")
            copyStarted = true
        }
        copyBytes += rows.purchases.byteCount
        try rows.purchases.withUnsafeBytes { try db.putCopyData($0) }
        rows.purchases.removeAllBytes()
    }

    /// Writes the rest of the batch inside the caller's transaction: the last rows, dead letters, ledger
    /// minutes, the lineage row, then the fenced offset advance. Returns false when the fence tripped; the
    /// caller must roll back.
    mutating func write(
        to db: PostgresConnection, groupID: String, offsets: OffsetStore, expected: [Int32: Int64?]
    ) throws -> Bool {
        rows.purchases.finish()
        try streamPurchases(to: db)
        let copied = try db.endCopy()
        guard copied == rows.purchases.rowCount else {
            throw PipelineError(
                .copyIncomplete, "COPY stored \(copied) rows of batch \(id), expected \(rows.purchases.rowCount)")
        }
        if !rows.deadLetters.isEmpty {
            rows.deadLetters.finish()
            copyBytes += rows.deadLetters.byteCount
            _ = try db.copyFrom("copy dead_letters (\(StagingRows.deadLetterColumns)) from stdin (format binary)") {
                writer in
                try rows.deadLetters.withUnsafeBytes { try writer.write($0) }
            }
        }
        try Self.writeLedger(rows.minutes, batch: id, to: db)
        try Self.writeLineage(
            batch: id, groupID: groupID, rows: rows.purchases.rowCount, deadLetters: rows.deadLetters.rowCount,
            to: db)
        return try offsets.advance(db, expected: expected, next: rows.nextOffsets)
    }

    /// The batch's ingest-ledger rows: each UTC minute its rows touch, with the span of event time in it.
    static func writeLedger(_ minutes: MinuteSpans, batch id: Int64, to db: PostgresConnection) throws {
        guard !minutes.isEmpty else { return }
        // Microseconds as integers into intervals: exact, where to_timestamp's float seconds could miss a
        // span's end by one.
        let spans = minutes.all
        try db.query(
            """
            insert into ingest_ledger (load_batch_id, minute, first_created_at, last_created_at)
            select $1, to_timestamp(m), timestamptz 'epoch' + f * interval '1 microsecond',
                   timestamptz 'epoch' + l * interval '1 microsecond'
            from unnest($2::bigint[], $3::bigint[], $4::bigint[]) as s (m, f, l)
            """,
            [
                String(id), PostgresArray.integers(spans.map(\.minute)),
                PostgresArray.integers(spans.map(\.first.microsecondsSinceEpoch)),
                PostgresArray.integers(spans.map(\.last.microsecondsSinceEpoch)),
            ])
    }

    /// The batch's lineage row, which every raw row and dead letter of the batch names. A Kafka batch leaves
    /// `origin` to its default, so the loader's statement is the one it always was.
    static func writeLineage(
        batch id: Int64, groupID: String, rows: Int, deadLetters: Int, origin: String? = nil,
        to db: PostgresConnection
    ) throws {
        let values = [String(id), groupID, String(rows), String(deadLetters)]
        if let origin {
            try db.query(
                """
                insert into load_batches (id, consumer_group, row_count, dead_letter_count, origin)
                values ($1, $2, $3, $4, $5)
                """, values + [origin])
        } else {
            try db.query(
                "insert into load_batches (id, consumer_group, row_count, dead_letter_count) values ($1, $2, $3, $4)",
                values)
        }
    }
}
