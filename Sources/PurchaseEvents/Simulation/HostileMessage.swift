/// A message an upstream producer might send by mistake or malice, one kind per flaw, and what the loader
/// must do with it: most go to `dead_letters` with a reason; a few are odd but valid and must load.
///
/// The fault suite mixes these into a valid stream (`generator --hostile-fraction`) and checks the loader
/// against the outcome each kind declares, so the catalogue here is the executable form of the validation
/// policy in README.
public enum HostileMessage: Int, CaseIterable, Sendable {
    // Dead letters: not JSON, or not a purchase.
    case truncatedJSON, notAnObject, emptyValue, nullValue, nestedTooDeep, invalidUTF8, rawNULByte
    // Dead letters: a purchase with a field that breaks the policy.
    case missingField, duplicatedField, quantityAsString, hugeQuantity, fractionalQuantity, zeroQuantity,
        negativeQuantity, hugeAmount, priceAsNumber, amountNotQuantityTimesPrice, unknownCountry, unknownCurrency,
        purchaseIDNotUUID, createdAtNotRFC3339, createdAtFarPast, createdAtFarFuture, escapedNULInText,
        textTooLong
    /// A value just under the broker's default 1,000,000-byte `message.max.bytes`, to be dead-lettered
    /// whole. The generator sends few of these: the dev broker keeps only about 5 MiB per partition.
    case oversizedValue
    // Loaded: unusual but valid.
    /// Unknown fields, nested ones included, are ignored so producers can add fields.
    case extraFields
    /// Keys only route messages; a purchase without one is still a purchase.
    case nullKey

    /// The kinds `--invalid-fraction` draws from: plain malformed messages, none of them huge.
    public static let invalidKinds = allCases.filter { !$0.loads && $0 != .oversizedValue }
    /// The kinds `--hostile-fraction` draws from at random (the oversized value is sent on a schedule).
    public static let randomHostileKinds = allCases.filter { $0 != .oversizedValue }

    /// Whether the loader must load this message as a purchase (true) or dead-letter it (false).
    public var loads: Bool { self == .extraFields || self == .nullKey }

    /// The hostile message derived from a valid one: its key (nil: a null key) and value (nil: a null value).
    public func make(from valid: [UInt8], key: [UInt8], purchase: PurchaseEvent) -> (key: [UInt8]?, value: [UInt8]?) {
        var event = purchase
        func patched(_ target: String, _ replacement: String) -> [UInt8] {
            Array(String(decoding: valid, as: UTF8.self).replacing(target, with: replacement, maxReplacements: 1).utf8)
        }
        /// The valid JSON with the first byte of user_id's value replaced by `byte`.
        func withByteInUserID(_ byte: UInt8) -> [UInt8] {
            let marker = Array(#""user_id":""#.utf8)
            var bytes = valid
            if let start = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }) {
                bytes[start + marker.count] = byte
            }
            return bytes
        }
        switch self {
        case .truncatedJSON: return (key, Array(valid.prefix(valid.count / 2)))
        case .notAnObject: return (key, Array("[\"not\", \"a\", \"purchase\"]".utf8))
        case .emptyValue: return (key, [])
        case .nullValue: return (key, nil)
        case .nestedTooDeep:
            return (
                key,
                Array(("{\"x\":" + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}").utf8)
            )
        case .invalidUTF8: return (key, withByteInUserID(0xFF))
        case .rawNULByte: return (key, withByteInUserID(0x00))
        case .missingField: return (key, patched(#""country":"#, #""countryCode":"#))
        case .duplicatedField: return (key, patched(#""quantity":"#, #""quantity":1,"quantity":"#))
        case .quantityAsString:
            return (key, patched(#""quantity":\#(purchase.quantity)"#, #""quantity":"\#(purchase.quantity)""#))
        case .hugeQuantity:
            return (key, patched(#""quantity":\#(purchase.quantity)"#, #""quantity":123456789012345678901234567890"#))
        case .fractionalQuantity: return (key, patched(#""quantity":\#(purchase.quantity)"#, #""quantity":1.5e3"#))
        case .zeroQuantity:
            event.quantity = 0
            event.amount = Money(cents: 0)
        case .negativeQuantity:
            event.quantity = -2
            event.amount = Money(cents: 0)
        case .hugeAmount:
            return (key, patched(#""amount":"\#(purchase.amount)""#, #""amount":"99999999999999999999999999.99""#))
        case .priceAsNumber:
            return (key, patched(#""unit_price":"\#(purchase.unitPrice)""#, #""unit_price":\#(purchase.unitPrice)"#))
        case .amountNotQuantityTimesPrice: event.amount = Money(cents: purchase.amount.cents + 1)
        case .unknownCountry: event.country = "XX"
        case .unknownCurrency: event.currency = "ABC"
        case .purchaseIDNotUUID: return (key, patched(#""purchase_id":""#, #""purchase_id":"not-a-uuid-"#))
        case .createdAtNotRFC3339: return (key, patched(#""created_at":""#, #""created_at":"yesterday "#))
        case .createdAtFarPast: event.createdAt = EventTime(microsecondsSinceEpoch: 0)  // 1970
        case .createdAtFarFuture: event.createdAt = EventTime(microsecondsSinceEpoch: 32_503_680_000_000_000)  // 3000
        case .escapedNULInText: event.productID = "sku\u{0}"
        case .textTooLong: event.category = String(repeating: "x", count: 65)
        case .oversizedValue:
            event.userID = String(repeating: "u", count: 999_000 - valid.count)
        case .extraFields:
            return (
                key,
                patched(#""purchase_id":"#, #""source":{"app":"ios","tags":["a",1,null]},"coupon":null,"purchase_id":"#)
            )
        case .nullKey: return (nil, valid)
        }
        return (key, event.jsonBytes)
    }
}
