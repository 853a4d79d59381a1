import Testing

@testable import PurchaseEvents

/// The generator's wire bytes are a promise: the same seed and start time give the same messages. These
/// digests were taken from the `String`-interpolation-free writer of 2026-11-24; any change to the encoder
/// (or to how the simulator draws) that alters one byte fails here.
@Suite struct PurchaseJSONTests {
    /// FNV-1a over every message's bytes, each followed by its length (so boundaries count too).
    static func digest(_ messages: some Sequence<[UInt8]>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        for message in messages {
            for byte in message { mix(byte) }
            for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: message.count >> shift)) }
        }
        return hash
    }

    @Test func simulatedPurchasesEncodeToTheSameBytes() {
        var simulator = PurchaseSimulator(seed: 7)
        let start = EventTime("2026-11-24T20:00:00Z")!
        // Event times a few milliseconds apart, crossing a day boundary, as a backfill would spread them.
        let messages = (0..<20_000).map { i in
            let time = EventTime(microsecondsSinceEpoch: start.microsecondsSinceEpoch + Int64(i) * 7_654_321)
            return simulator.next(createdAt: time).jsonBytes
        }
        #expect(String(decoding: messages[0], as: UTF8.self) == Self.firstMessage)
        #expect(Self.digest(messages) == 7_926_771_986_301_875_781)
    }

    /// The generator's path: draws written from the simulator's pre-encoded tables are byte for byte the
    /// JSON of the events they stand for, keys are the user ids, and the golden digest holds for them too.
    @Test func drawsEncodeToTheirEventsBytes() {
        for users in [1, 50_000, 10_000_000] {
            var simulator = PurchaseSimulator(seed: 7, users: users)
            var reference = PurchaseSimulator(seed: 7, users: users)
            let start = EventTime("2026-11-24T20:00:00Z")!
            let value = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: simulator.maximumJSONBytes)
            let key = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: PurchaseSimulator.userIDBound)
            defer {
                value.deallocate()
                key.deallocate()
            }
            var messages: [[UInt8]] = []
            for i in 0..<20_000 {
                let time = EventTime(microsecondsSinceEpoch: start.microsecondsSinceEpoch + Int64(i) * 7_654_321)
                let draw = simulator.nextDraw(createdAt: time)
                let event = reference.next(createdAt: time)
                #expect(simulator.event(draw) == event)
                messages.append(Array(value[..<simulator.encodeJSON(draw, into: value)]))
                #expect(messages.last! == event.jsonBytes)
                #expect(Array(key[..<simulator.encodeKey(draw, into: key)]) == Array(event.userID.utf8))
            }
            if users == 50_000 { #expect(Self.digest(messages) == 7_926_771_986_301_875_781) }
        }
    }

    /// Draws close together in time (many per second, where the simulator reuses the second's text) and
    /// before 1970 encode exactly as their events do.
    @Test func drawsCloseInTimeEncodeToTheirEventsBytes() {
        var simulator = PurchaseSimulator(seed: 11)
        let value = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: simulator.maximumJSONBytes)
        defer { value.deallocate() }
        for start: Int64 in [1_795_000_000_000_000, -3_000_000, 253_402_300_798_000_000] {  // 2026, 1969, 9999
            for i: Int64 in 0..<5_000 {
                let draw = simulator.nextDraw(createdAt: EventTime(microsecondsSinceEpoch: start + i * 1_237))
                #expect(Array(value[..<simulator.encodeJSON(draw, into: value)]) == simulator.event(draw).jsonBytes)
            }
        }
    }

    /// Fields a hostile message puts in: control characters, quotes and backslashes escaped; negative
    /// quantities and amounts; times far in the past and future.
    @Test func unusualFieldsEncodeToTheSameBytes() {
        var simulator = PurchaseSimulator(seed: 3)
        var event = simulator.next(createdAt: EventTime(microsecondsSinceEpoch: 0))
        var messages: [[UInt8]] = [event.jsonBytes]
        event.productID = "sku\u{0}\u{1F}\"\\/é€😀"
        event.category = String(repeating: "x", count: 65)
        event.quantity = -2
        event.amount = Money(minorUnits: -1_234_567, exponent: 2)
        event.unitPrice = Money(minorUnits: 5, exponent: 2)
        event.createdAt = EventTime(microsecondsSinceEpoch: 32_503_680_000_000_000)
        messages.append(event.jsonBytes)
        event.userID = String(repeating: "u", count: 10_000)
        event.quantity = .max
        event.amount = Money(minorUnits: .max, exponent: 2)
        event.createdAt = EventTime(microsecondsSinceEpoch: 1_999)
        messages.append(event.jsonBytes)
        #expect(String(decoding: messages[1], as: UTF8.self).contains(#""product_id":"sku\u0000\u001f\"\\/é€😀""#))
        #expect(Self.digest(messages) == 1_201_593_955_574_461_827)
    }

    static let firstMessage = """
        {"purchase_id":"2a594892-ac87-4d03-b382-d23e4cbbef36","user_id":"u-1001264","product_id":"p-104476",\
        "category":"sports","country":"AU","quantity":1,"unit_price":"78.99","amount":"78.99","currency":"AUD",\
        "payment_method":"card","created_at":"2026-11-24T20:00:00.000Z"}
        """
}
