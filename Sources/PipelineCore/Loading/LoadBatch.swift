import KafkaClient
import PostgresClient

/// Everything one loader transaction will write, accumulated message by message.
///
/// Rows are encoded into binary COPY as they arrive, so a message's bytes are touched once and no message
/// is kept after its poll returns. Dropping a batch (a rebalance took its partitions, a fence tripped) is
/// free: nothing reached the database.
struct LoadBatch {
    static let purchaseFieldCount: Int16 = 15
    static let deadLetterFieldCount: Int16 = 7

    let id: Int64
    let openedAt: UInt64
    var purchases = BinaryCopyEncoder(reservingCapacity: 1 << 20)
    var deadLetters = BinaryCopyEncoder()
    /// The next offset to load per partition once this batch commits.
    var nextOffsets: [Int32: Int64] = [:]
    /// UTC minutes (epoch seconds) of event time this batch touches: its ingest-ledger rows.
    var minutes = Set<Int64>()
    var amount = Money(cents: 0)

    init(id: Int64) {
        self.id = id
        self.openedAt = MonotonicClock.nowMilliseconds()
    }

    var messageCount: Int { purchases.rowCount + deadLetters.rowCount }

    mutating func add(_ event: PurchaseEvent, from message: KafkaMessage) {
        purchases.beginRow(fieldCount: Self.purchaseFieldCount)
        purchases.appendUUID(event.purchaseID)
        purchases.appendText(event.userID)
        purchases.appendText(event.productID)
        purchases.appendText(event.category)
        purchases.appendText(event.country)
        purchases.appendInt32(event.quantity)
        purchases.appendNumeric(event.unitPrice)
        purchases.appendNumeric(event.amount)
        purchases.appendText(event.currency)
        purchases.appendText(event.paymentMethod)
        purchases.appendTimestamp(event.createdAt)
        purchases.appendText(message.topic)
        purchases.appendInt32(message.partition)
        purchases.appendInt64(message.offset)
        purchases.appendInt64(id)
        minutes.insert(event.createdAt.minuteEpochSeconds)
        amount += event.amount
        nextOffsets[message.partition] = message.offset + 1
    }

    mutating func addDeadLetter(_ message: KafkaMessage, reason: String) {
        deadLetters.beginRow(fieldCount: Self.deadLetterFieldCount)
        deadLetters.appendText(message.topic)
        deadLetters.appendInt32(message.partition)
        deadLetters.appendInt64(message.offset)
        deadLetters.appendBytes(message.key)
        deadLetters.appendBytes(message.value)
        deadLetters.appendText(reason)
        deadLetters.appendInt64(id)
        nextOffsets[message.partition] = message.offset + 1
    }

    /// Writes the batch inside the caller's transaction: lineage row, raw rows, dead letters, ledger minutes,
    /// then the fenced offset advance. Returns false when the fence tripped; the caller must roll back.
    /// The encoders must be finished.
    func write(to db: PostgresConnection, groupID: String, offsets: OffsetStore, expected: [Int32: Int64]) throws -> Bool {
        try db.query(
            "insert into load_batches (id, consumer_group, row_count, dead_letter_count) values ($1, $2, $3, $4)",
            [String(id), groupID, String(purchases.rowCount), String(deadLetters.rowCount)])
        if !purchases.isEmpty {
            _ = try db.copyFrom("copy staging_purchases (\(Self.purchaseColumns)) from stdin (format binary)") {
                try $0.write(purchases.buffer)
            }
        }
        if !deadLetters.isEmpty {
            _ = try db.copyFrom("copy dead_letters (\(Self.deadLetterColumns)) from stdin (format binary)") {
                try $0.write(deadLetters.buffer)
            }
        }
        if !minutes.isEmpty {
            try db.query(
                "insert into ingest_ledger (load_batch_id, minute) select $1, to_timestamp(m) from unnest($2::bigint[]) m",
                [String(id), OffsetStore.array(minutes.sorted())])
        }
        return try offsets.advance(db, expected: expected, next: nextOffsets)
    }

    static let purchaseColumns = """
        purchase_id, user_id, product_id, category, country, quantity, unit_price, amount, currency, \
        payment_method, created_at, kafka_topic, kafka_partition, kafka_offset, load_batch_id
        """
    static let deadLetterColumns =
        "kafka_topic, kafka_partition, kafka_offset, message_key, message_value, reason, load_batch_id"
}
