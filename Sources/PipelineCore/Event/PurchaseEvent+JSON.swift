/// The wire format: one flat JSON object per Kafka message value, keyed by the user id.
extension PurchaseEvent {
    /// Appends the event as compact JSON. Field order is fixed so a seed reproduces the bytes exactly.
    public func encodeJSON(into out: inout [UInt8]) {
        func field(_ name: String, _ value: String, quoted: Bool = true, last: Bool = false) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "\":".utf8)
            if quoted {
                out.append(UInt8(ascii: "\""))
                JSONWriter.appendEscaped(value, to: &out)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: value.utf8)
            }
            out.append(last ? UInt8(ascii: "}") : UInt8(ascii: ","))
        }
        out.append(UInt8(ascii: "{"))
        field("purchase_id", purchaseID.description)
        field("user_id", userID)
        field("product_id", productID)
        field("category", category)
        field("country", country)
        field("quantity", String(quantity), quoted: false)
        field("unit_price", unitPrice.description)
        field("amount", amount.description)
        field("currency", currency)
        field("payment_method", paymentMethod)
        field("created_at", createdAt.description, last: true)
    }

    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        encodeJSON(into: &out)
        return out
    }
}

/// Minimal JSON string escaping for the generator's output.
enum JSONWriter {
    static func appendEscaped(_ string: String, to out: inout [UInt8]) {
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
    }
}
