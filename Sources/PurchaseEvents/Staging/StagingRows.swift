/// The rows one load batch writes, encoded into binary COPY as messages arrive: valid purchases for
/// `staging_purchases`, everything else for `dead_letters` with the reason.
///
/// A message's bytes are touched once, straight from the consumer's buffer into a COPY buffer, and no
/// message is kept after it was added. It also gathers what the batch's transaction writes beside the rows:
/// the next offset of each partition and the spans of event time it touched per UTC minute (the ingest ledger).
///
/// It lives here rather than in the loader so that the micro-benchmarks time the loader's per-message work
/// through the very `add` the loader calls, without linking Kafka or Postgres.
public struct StagingRows {
    public static let purchaseFieldCount: Int16 = 15
    public static let deadLetterFieldCount: Int16 = 8

    /// The `staging_purchases` columns the purchase rows fill, in order.
    public static let purchaseColumns = """
        purchase_id, user_id, product_id, category, country, quantity, unit_price, amount, currency, \
        payment_method, created_at, kafka_topic, kafka_partition, kafka_offset, load_batch_id
        """
    /// The `dead_letters` columns the dead-letter rows fill, in order.
    public static let deadLetterColumns =
        "kafka_topic, kafka_partition, kafka_offset, message_key, message_value, reason, reason_kind, load_batch_id"

    /// The load batch every row names (`load_batch_id`).
    public let batchID: Int64
    public var purchases: BinaryCopyEncoder
    public var deadLetters = BinaryCopyEncoder()
    /// The next offset to load per partition once these rows commit.
    public private(set) var nextOffsets: [Int32: Int64] = [:]
    /// The event times these rows touch, per UTC minute: the batch's ingest-ledger rows.
    public private(set) var minutes = MinuteSpans()
    /// The dead letters per `ValidationFailure.Kind`, in `Kind.allCases` order: the loader's metric.
    public private(set) var deadLettersByKind = [Int](repeating: 0, count: ValidationFailure.Kind.allCases.count)

    public init(batchID: Int64, reservingCapacity capacity: Int = 0) {
        self.batchID = batchID
        self.purchases = BinaryCopyEncoder(reservingCapacity: capacity)
    }

    public var messageCount: Int { purchases.rowCount + deadLetters.rowCount }

    /// Adds one consumed message: a purchase row if it decodes and validates, else a dead letter with the
    /// reason. `now` bounds how far in the future an event time may be.
    public mutating func add(
        value: UnsafeRawBufferPointer?, key: UnsafeRawBufferPointer?, origin: MessageOrigin,
        decoder: PurchaseDecoder, now: EventTime
    ) {
        do {
            add(try decoder.decodeBorrowing(value, now: now), origin: origin)
        } catch {
            addDeadLetter(key: key, value: value, origin: origin, failure: error)
        }
    }

    /// Adds a purchase the caller built (tests, tools, benchmarks) rather than decoded from message bytes.
    public mutating func add(_ event: PurchaseEvent, origin: MessageOrigin) {
        add(BorrowedPurchase(event), origin: origin)
    }

    /// Adds a valid purchase; its text goes from the message bytes straight into the COPY buffer, and the
    /// row's fields are stored into room reserved once for the whole row.
    mutating func add(_ event: BorrowedPurchase, origin: MessageOrigin) {
        let textBytes =
            event.userID.byteCount + event.productID.byteCount + event.category.byteCount
            + event.country.byteCount + event.currency.byteCount + event.paymentMethod.byteCount
            + origin.topic.utf8.count
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
            row.text(origin.topic)
            row.int32(origin.partition)
            row.int64(origin.offset)
            row.int64(batchID)
        }
        minutes.insert(event.createdAt)
        nextOffsets[origin.partition] = origin.offset + 1
    }

    /// Adds a message that is not a valid purchase, its bytes as they came (nil stays NULL).
    public mutating func addDeadLetter(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, origin: MessageOrigin, failure: ValidationFailure
    ) {
        let (reason, kind) = (failure.reason, failure.kind.rawValue)
        let variableBytes =
            origin.topic.utf8.count + (key?.count ?? 0) + (value?.count ?? 0) + reason.utf8.count + kind.utf8.count
        deadLetters.appendRow(
            fieldCount: Self.deadLetterFieldCount,
            maximumByteCount: Int(Self.deadLetterFieldCount) * CopyFieldWriter.maximumFixedFieldSize + variableBytes
        ) { row in
            row.text(origin.topic)
            row.int32(origin.partition)
            row.int64(origin.offset)
            row.bytes(key)
            row.bytes(value)
            row.text(reason)
            row.text(kind)
            row.int64(batchID)
        }
        deadLettersByKind[ValidationFailure.Kind.allCases.firstIndex(of: failure.kind)!] += 1
        nextOffsets[origin.partition] = origin.offset + 1
    }
}
