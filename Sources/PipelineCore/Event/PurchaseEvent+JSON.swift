/// The wire format: one flat JSON object per Kafka message value, keyed by the user id.
extension PurchaseEvent {
    /// Appends the event as compact JSON. Field order is fixed so a seed reproduces the bytes exactly.
    ///
    /// Written byte by byte rather than through string interpolation: the generator encodes hundreds of
    /// thousands of events a second, and building intermediate `String`s took most of its time.
    public func encodeJSON(into out: inout [UInt8]) {
        JSONWriter.literal(#"{"purchase_id":""#, &out)
        JSONWriter.uuid(purchaseID, &out)
        JSONWriter.literal(#"","user_id":""#, &out)
        JSONWriter.escaped(userID, &out)
        JSONWriter.literal(#"","product_id":""#, &out)
        JSONWriter.escaped(productID, &out)
        JSONWriter.literal(#"","category":""#, &out)
        JSONWriter.escaped(category, &out)
        JSONWriter.literal(#"","country":""#, &out)
        JSONWriter.escaped(country, &out)
        JSONWriter.literal(#"","quantity":"#, &out)
        JSONWriter.integer(Int64(quantity), &out)
        JSONWriter.literal(#","unit_price":""#, &out)
        JSONWriter.money(unitPrice, &out)
        JSONWriter.literal(#"","amount":""#, &out)
        JSONWriter.money(amount, &out)
        JSONWriter.literal(#"","currency":""#, &out)
        JSONWriter.escaped(currency, &out)
        JSONWriter.literal(#"","payment_method":""#, &out)
        JSONWriter.escaped(paymentMethod, &out)
        JSONWriter.literal(#"","created_at":""#, &out)
        JSONWriter.time(createdAt, &out)
        JSONWriter.literal(#""}"#, &out)
    }

    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        encodeJSON(into: &out)
        return out
    }
}

/// Byte-level JSON pieces for the generator's output.
enum JSONWriter {
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func literal(_ text: StaticString, _ out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A string's UTF-8, escaped where JSON requires it (quotes, backslashes, control characters).
    static func escaped(_ string: String, _ out: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                out.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): literal(#"\""#, &out)
                case UInt8(ascii: "\\"): literal(#"\\"#, &out)
                case 0..<0x20:
                    literal(#"\u00"#, &out)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                default: out.append(byte)
                }
            }
        }
    }

    static func integer(_ value: Int64, _ out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        unsigned(value.magnitude, width: 1, &out)
    }

    /// Decimal digits, zero-padded to `width`.
    static func unsigned(_ value: UInt64, width: Int, _ out: inout [UInt8]) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        digits = max(digits, width)
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var v = value
        var i = start + digits - 1
        while v > 0 {
            out[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i -= 1
        }
    }

    static func money(_ value: Money, _ out: inout [UInt8]) {
        if value.cents < 0 { out.append(UInt8(ascii: "-")) }
        unsigned(value.cents.magnitude / 100, width: 1, &out)
        out.append(UInt8(ascii: "."))
        unsigned(value.cents.magnitude % 100, width: 2, &out)
    }

    static func uuid(_ id: PurchaseID, _ out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "-"), count: 36))
        out.withUnsafeMutableBufferPointer { buffer in
            // Nibble k (0...31) of the 128-bit value goes to character k, skipping the four dashes.
            var position = start
            for k in 0..<32 {
                if k == 8 || k == 12 || k == 16 || k == 20 { position += 1 }
                let word = k < 16 ? id.high : id.low
                let shift = UInt64(60 - (k % 16) * 4)
                buffer[position] = hexDigits[Int((word >> shift) & 0xF)]
                position += 1
            }
        }
    }

    /// RFC 3339 in UTC with milliseconds, as `EventTime.description` writes it.
    static func time(_ time: EventTime, _ out: inout [UInt8]) {
        let parts = time.utcComponents
        unsigned(UInt64(parts.year), width: 4, &out)
        out.append(UInt8(ascii: "-"))
        unsigned(UInt64(parts.month), width: 2, &out)
        out.append(UInt8(ascii: "-"))
        unsigned(UInt64(parts.day), width: 2, &out)
        out.append(UInt8(ascii: "T"))
        unsigned(UInt64(parts.hour), width: 2, &out)
        out.append(UInt8(ascii: ":"))
        unsigned(UInt64(parts.minute), width: 2, &out)
        out.append(UInt8(ascii: ":"))
        unsigned(UInt64(parts.second), width: 2, &out)
        out.append(UInt8(ascii: "."))
        unsigned(UInt64(parts.millisecond), width: 3, &out)
        out.append(UInt8(ascii: "Z"))
    }
}
