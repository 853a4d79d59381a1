/// The wire format: one flat JSON object per Kafka message value, keyed by the user id.
extension PurchaseEvent {
    /// Writes the event as compact JSON. Field order is fixed so a seed reproduces the bytes exactly.
    ///
    /// Written byte by byte rather than through string interpolation: the generator encodes hundreds of
    /// thousands of events a second, and building intermediate `String`s took most of its time. The writer
    /// must have room for `jsonByteBound` bytes.
    func encodeJSON(to out: inout JSONByteWriter) {
        out.literal(#"{"purchase_id":""#)
        out.uuid(purchaseID)
        out.literal(#"","user_id":""#)
        out.escaped(userID)
        out.literal(#"","product_id":""#)
        out.escaped(productID)
        out.literal(#"","category":""#)
        out.escaped(category)
        out.literal(#"","country":""#)
        out.escaped(country)
        out.literal(#"","quantity":"#)
        out.integer(Int64(quantity))
        out.literal(#","unit_price":""#)
        out.money(unitPrice)
        out.literal(#"","amount":""#)
        out.money(amount)
        out.literal(#"","currency":""#)
        out.escaped(currency)
        out.literal(#"","payment_method":""#)
        out.escaped(paymentMethod)
        out.literal(#"","created_at":""#)
        out.time(createdAt)
        out.literal(#""}"#)
    }

    /// The field names and punctuation `encodeJSON` writes (the debug-build bound check in the tests
    /// catches a miscount).
    static let jsonLiteralBytes = 164

    /// At most this many bytes for everything but the strings: the literals, the widest id, numbers and time.
    static let jsonFixedBound = jsonLiteralBytes + 36 + 20 + 2 * 22 + JSONByteWriter.timeBound

    /// At most this many bytes of JSON: the literals, each string escaped at worst, and the widest
    /// numbers, id and time.
    public var jsonByteBound: Int {
        Self.jsonFixedBound + JSONByteWriter.escapedBound(userID) + JSONByteWriter.escapedBound(productID)
            + JSONByteWriter.escapedBound(category) + JSONByteWriter.escapedBound(country)
            + JSONByteWriter.escapedBound(currency) + JSONByteWriter.escapedBound(paymentMethod)
    }

    /// Writes the JSON at the start of `buffer` and returns its length; `buffer` must hold at least
    /// `jsonByteBound` bytes (checked).
    public func encodeJSON(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(buffer.count >= jsonByteBound, "encodeJSON: the buffer is smaller than jsonByteBound")
        var writer = JSONByteWriter(buffer)
        encodeJSON(to: &writer)
        return writer.count
    }

    /// Appends the event as compact JSON.
    public func encodeJSON(into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: jsonByteBound) { scratch in
            let count = encodeJSON(into: scratch)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<count]))
        }
    }

    public var jsonBytes: [UInt8] {
        JSONByteWriter.bytes(bound: jsonByteBound) { encodeJSON(to: &$0) }
    }
}
