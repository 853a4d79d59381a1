import KafkaClient
import PostgresClient

/// Everything one loader transaction will write, accumulated message by message.
///
/// Rows are encoded into binary COPY as they arrive, so a message's bytes are touched once and no message
/// is kept after its poll returns. The valid rows are streamed to the server while the batch is still
/// filling (`streamPurchases`), so Postgres ingests one part while the loader decodes the next; nothing is
/// visible until the transaction commits, and dropping a batch (a rebalance took its partitions, a fence
/// tripped) is a rollback.
///
/// Public for the micro-benchmarks (`Benchmarks/`), which time the loader's per-message work through the
/// same `add` the loader calls; the Postgres side stays internal.
public struct LoadBatch {
    /// Stream the encoded rows once this many bytes are buffered: 64 KiB.
    static let streamThreshold = 1 << 16

    static let purchaseFieldCount: Int16 = 15
    static let deadLetterFieldCount: Int16 = 7

    let id: Int64
    let openedAt: UInt64
    var purchases = BinaryCopyEncoder(reservingCapacity: 2 * streamThreshold)
    /// Whether the COPY into staging_purchases has been started on the connection.
    private(set) var copyStarted = false
    var deadLetters = BinaryCopyEncoder()
    /// The next offset to load per partition once this batch commits.
    var nextOffsets: [Int32: Int64] = [:]
    /// UTC minutes (epoch seconds) of event time this batch touches: its ingest-ledger rows.
    var minutes = Set<Int64>()
    /// The minute last inserted into `minutes`: consecutive messages of a partition mostly share one, and
    /// comparing is cheaper than hashing for the set.
    private var lastMinute: Int64?
    var amount = Money(cents: 0)

    public init(id: Int64) {
        self.id = id
        self.openedAt = MonotonicClock.nowMilliseconds()
    }

    public var messageCount: Int { purchases.rowCount + deadLetters.rowCount }

    /// Adds one consumed message: a purchase row if it decodes and validates, else a dead letter with the
    /// reason. `now` bounds how far in the future an event time may be.
    public mutating func add(_ message: KafkaMessage, decoder: PurchaseDecoder, now: EventTime) {
        do {
            add(try decoder.decodeBorrowing(message.value, now: now), from: message)
        } catch {
            addDeadLetter(message, reason: error.reason)
        }
    }

    /// Adds a valid purchase; its text goes from the message bytes straight into the COPY buffer, and the
    /// row's fields are stored into room reserved once for the whole row.
    mutating func add(_ event: BorrowedPurchase, from message: KafkaMessage) {
        let textBytes = event.userID.byteCount + event.productID.byteCount + event.category.byteCount
            + event.country.byteCount + event.currency.byteCount + event.paymentMethod.byteCount
            + message.topic.utf8.count
        purchases.appendRow(
            fieldCount: Self.purchaseFieldCount,
            maximumByteCount: Int(Self.purchaseFieldCount) * CopyFieldWriter.maximumFixedFieldSize + textBytes
        ) { row in
            row.uuid(event.purchaseID)
            row.text(event.userID)
            row.text(event.productID)
            row.text(event.category)
            row.text(event.country)
            row.int32(event.quantity)
            row.numeric(event.unitPrice)
            row.numeric(event.amount)
            row.text(event.currency)
            row.text(event.paymentMethod)
            row.timestamp(event.createdAt)
            row.text(message.topic)
            row.int32(message.partition)
            row.int64(message.offset)
            row.int64(id)
        }
        let minute = event.createdAt.minuteEpochSeconds
        if minute != lastMinute {
            minutes.insert(minute)
            lastMinute = minute
        }
        amount += event.amount
        nextOffsets[message.partition] = message.offset + 1
    }

    /// Adds a purchase the caller built (tests, tools, benchmarks) rather than decoded from `message`.
    public mutating func add(_ event: PurchaseEvent, from message: KafkaMessage) {
        add(BorrowedPurchase(event), from: message)
    }

    mutating func addDeadLetter(_ message: KafkaMessage, reason: String) {
        let variableBytes = message.topic.utf8.count + (message.key?.count ?? 0) + (message.value?.count ?? 0)
            + reason.utf8.count
        deadLetters.appendRow(
            fieldCount: Self.deadLetterFieldCount,
            maximumByteCount: Int(Self.deadLetterFieldCount) * CopyFieldWriter.maximumFixedFieldSize + variableBytes
        ) { row in
            row.text(message.topic)
            row.int32(message.partition)
            row.int64(message.offset)
            row.bytes(message.key)
            row.bytes(message.value)
            row.text(reason)
            row.int64(id)
        }
        nextOffsets[message.partition] = message.offset + 1
    }

    /// Sends the rows encoded so far into the COPY, starting it on first use. Call inside the batch's
    /// transaction; between calls the connection may run nothing else.
    mutating func streamPurchases(to db: PostgresConnection) throws {
        if !copyStarted {
            try db.beginCopy("copy staging_purchases (\(Self.purchaseColumns)) from stdin (format binary)")
            copyStarted = true
        }
        try purchases.withUnsafeBytes { try db.putCopyData($0) }
        purchases.removeAllBytes()
    }

    /// Writes the rest of the batch inside the caller's transaction: the last rows, dead letters, ledger
    /// minutes, the lineage row, then the fenced offset advance. Returns false when the fence tripped; the
    /// caller must roll back.
    mutating func write(to db: PostgresConnection, groupID: String, offsets: OffsetStore, expected: [Int32: Int64]) throws -> Bool {
        purchases.finish()
        try streamPurchases(to: db)
        let copied = try db.endCopy()
        guard copied == purchases.rowCount else {
            throw PipelineError("COPY stored \(copied) rows of batch \(id), expected \(purchases.rowCount)")
        }
        if !deadLetters.isEmpty {
            deadLetters.finish()
            _ = try db.copyFrom("copy dead_letters (\(Self.deadLetterColumns)) from stdin (format binary)") { writer in
                try deadLetters.withUnsafeBytes { try writer.write($0) }
            }
        }
        if !minutes.isEmpty {
            try db.query(
                "insert into ingest_ledger (load_batch_id, minute) select $1, to_timestamp(m) from unnest($2::bigint[]) m",
                [String(id), OffsetStore.array(minutes.sorted())])
        }
        try db.query(
            "insert into load_batches (id, consumer_group, row_count, dead_letter_count) values ($1, $2, $3, $4)",
            [String(id), groupID, String(purchases.rowCount), String(deadLetters.rowCount)])
        return try offsets.advance(db, expected: expected, next: nextOffsets)
    }

    static let purchaseColumns = """
        purchase_id, user_id, product_id, category, country, quantity, unit_price, amount, currency, \
        payment_method, created_at, kafka_topic, kafka_partition, kafka_offset, load_batch_id
        """
    static let deadLetterColumns =
        "kafka_topic, kafka_partition, kafka_offset, message_key, message_value, reason, load_batch_id"
}
