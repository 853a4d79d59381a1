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
        negativeQuantity, hugeAmount, unitPriceAboveCap, amountNotQuantityTimesPrice, unknownCountry, unknownCurrency,
        purchaseIDNotUUID, createdAtNotRFC3339, createdAtFarPast, createdAtFarFuture, escapedNULInText,
        textTooLong
    // Dead letters: the forms other producers use, gone wrong.
    /// `"amount":3897e-2`: exact, but an exponent is not how anyone writes money.
    case moneyWithExponent
    /// `"unit_price":12.995` for euros, `"unit_price":"3500.5"` for yen: a non-zero digit beyond the
    /// currency's minor unit.
    case moneyBeyondMinorUnit
    /// `"amount":NaN`, what some JSON libraries write for a float that is not a number (not JSON at all).
    case moneyNotANumber
    /// `"amount":1000000000000000.00`: 16 digits before the point.
    case moneyOutOfRange
    /// `"unit_price":-12.99`.
    case negativeMoney
    /// `"user_id":1000042.5`.
    case idNotWhole
    /// A 65-digit integer product id: like a string id, at most 64 bytes of text.
    case idTooLong
    /// `"created_at":1764619200250.5`: epoch milliseconds with a fraction.
    case createdAtFractionalMillis
    /// A value just under the broker's default 1,000,000-byte `message.max.bytes`, to be dead-lettered
    /// whole. The generator sends few of these: the dev broker keeps only about 5 MiB per partition.
    case oversizedValue
    // Loaded: unusual but valid.
    /// Unknown fields, nested ones included, are ignored so producers can add fields.
    case extraFields
    /// Keys only route messages; a purchase without one is still a purchase.
    case nullKey
    /// `"user_id":1000042,"product_id":100007`: many shops' ids are numbers; stored as their decimal text.
    case integerIDs
    /// `"unit_price":12.5,"amount":37.5`: money as JSON numbers, as a float printer writes them.
    case moneyAsNumbers
    /// `"unit_price":"12.5"`, `"amount":"3500.00"` for yen: a decimal string with fewer or more places than
    /// the currency's, the extra ones zeros. The same amount as the currency's own form.
    case moneyWithOtherPlaces
    /// `"created_at":1764619200250`: epoch milliseconds.
    case createdAtEpochMillis

    /// The kinds `--invalid-fraction` draws from: plain malformed messages, none of them huge.
    public static let invalidKinds = allCases.filter { !$0.loads && $0 != .oversizedValue }
    /// The kinds `--hostile-fraction` draws from at random (the oversized value is sent on a schedule).
    public static let randomHostileKinds = allCases.filter { $0 != .oversizedValue }

    /// Whether the loader must load this message as a purchase (true) or dead-letter it (false).
    public var loads: Bool {
        switch self {
        case .extraFields, .nullKey, .integerIDs, .moneyAsNumbers, .moneyWithOtherPlaces, .createdAtEpochMillis: true
        default: false
        }
    }

    /// What `schemas/purchase.schema.json` says of this kind's value, read as JSON with numbers kept as
    /// decimals (Python: `json.loads(value, parse_float=Decimal)`, NaN refused). The schema cannot say
    /// everything the loader checks; the contract test holds each kind to the verdict given here.
    public enum SchemaVerdict: String, Sendable {
        /// Validates: every kind that loads.
        case valid
        /// Fails validation: the schema expresses the rule this kind breaks.
        case invalid
        /// Not a JSON document at all (nothing for a schema to judge).
        case notJSON
        /// Validates, although the loader refuses it: a rule JSON Schema cannot state (a relation between
        /// fields, the loader's clock, a duplicated key, an exponent's spelling).
        case beyondSchema
    }

    public var schemaVerdict: SchemaVerdict {
        switch self {
        case _ where loads: .valid
        case .truncatedJSON, .emptyValue, .nullValue, .invalidUTF8, .rawNULByte, .moneyNotANumber: .notJSON
        case .duplicatedField, .amountNotQuantityTimesPrice, .createdAtFarFuture, .moneyWithExponent: .beyondSchema
        default: .invalid
        }
    }

    /// The purchase the loader must store for a kind that loads: `purchase` itself, or its equivalent
    /// when the kind changed a field's form (an id's digits as text, a time to the millisecond).
    public func stored(from purchase: PurchaseEvent) -> PurchaseEvent {
        var event = purchase
        switch self {
        case .integerIDs:
            event.userID = Self.integerID(purchase.userID)
            event.productID = Self.integerID(purchase.productID)
        case .createdAtEpochMillis:
            event.createdAt.microsecondsSinceEpoch -= purchase.createdAt.microsecondsSinceEpoch % 1_000
        default: break
        }
        return event
    }

    /// The digits of an id (`u-1000042` → `1000042`) as a JSON integer's text: no leading zeros.
    static func integerID(_ id: String) -> String {
        String(UInt64(String(id.filter(\.isASCII).filter(\.isNumber).prefix(18))) ?? 0)
    }

    /// `money` with trailing zeros added (yen `3500` is `3500.00`) or, where the currency has places,
    /// removed (euros `12.50` is `12.5`, `13.00` stays `13.00` so that it keeps a point): the same amount.
    static func otherPlaces(_ money: Money) -> String {
        if money.exponent == 0 { return money.description + ".00" }
        let text = money.description
        return text.hasSuffix("0") && !text.hasSuffix(".00") ? String(text.dropLast()) : text + "0"
    }

    /// Money as a float printer writes it: `12.5` for 12.50, `13` for 13.00, `3500` for 3500 yen.
    static func floatStyle(_ money: Money) -> String {
        var text = money.description
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// The hostile message derived from a valid one: its key (nil: a null key) and value (nil: a null value).
    public func make(from valid: [UInt8], key: [UInt8], purchase: PurchaseEvent) -> (key: [UInt8]?, value: [UInt8]?) {
        var event = purchase
        /// The valid JSON with the first `target` replaced, and then the first `other.0` if given.
        func patched(_ target: String, _ replacement: String, and other: (String, String)? = nil) -> [UInt8] {
            var text = String(decoding: valid, as: UTF8.self).replacing(target, with: replacement, maxReplacements: 1)
            if let other { text = text.replacing(other.0, with: other.1, maxReplacements: 1) }
            return Array(text.utf8)
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
            event.amount.minorUnits = 0
        case .negativeQuantity:
            event.quantity = -2
            event.amount.minorUnits = 0
        case .hugeAmount:
            return (key, patched(#""amount":"\#(purchase.amount)""#, #""amount":"99999999999999999999999999.99""#))
        case .unitPriceAboveCap:
            event.quantity = 1
            event.unitPrice = ReferenceData.unitPriceCap(of: purchase.currency)!
            event.unitPrice.minorUnits += 1
            event.amount = event.unitPrice
        case .amountNotQuantityTimesPrice: event.amount.minorUnits += 1
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
        case .moneyWithExponent:
            return (
                key,
                patched(
                    #""amount":"\#(purchase.amount)""#,
                    #""amount":\#(purchase.amount.minorUnits)e-\#(purchase.amount.exponent)"#)
            )
        case .moneyBeyondMinorUnit:
            let beyond = purchase.unitPrice.description + (purchase.unitPrice.exponent == 0 ? ".5" : "5")
            return (key, patched(#""unit_price":"\#(purchase.unitPrice)""#, #""unit_price":"\#(beyond)""#))
        case .moneyNotANumber: return (key, patched(#""amount":"\#(purchase.amount)""#, #""amount":NaN"#))
        case .moneyOutOfRange:
            return (key, patched(#""amount":"\#(purchase.amount)""#, #""amount":1000000000000000.00"#))
        case .negativeMoney:
            return (key, patched(#""unit_price":"\#(purchase.unitPrice)""#, #""unit_price":-\#(purchase.unitPrice)"#))
        case .idNotWhole:
            return (
                key, patched(#""user_id":"\#(purchase.userID)""#, #""user_id":\#(Self.integerID(purchase.userID)).5"#)
            )
        case .idTooLong:
            return (
                key,
                patched(
                    #""product_id":"\#(purchase.productID)""#, #""product_id":\#(String(repeating: "7", count: 65))"#)
            )
        case .createdAtFractionalMillis:
            return (
                key,
                patched(
                    #""created_at":"\#(purchase.createdAt)""#,
                    #""created_at":\#(purchase.createdAt.microsecondsSinceEpoch / 1_000).5"#)
            )
        case .integerIDs:
            return (
                key,
                patched(
                    #""user_id":"\#(purchase.userID)""#, #""user_id":\#(Self.integerID(purchase.userID))"#,
                    and: (
                        #""product_id":"\#(purchase.productID)""#,
                        #""product_id":\#(Self.integerID(purchase.productID))"#
                    ))
            )
        case .moneyAsNumbers:
            return (
                key,
                patched(
                    #""unit_price":"\#(purchase.unitPrice)""#, #""unit_price":\#(Self.floatStyle(purchase.unitPrice))"#,
                    and: (#""amount":"\#(purchase.amount)""#, #""amount":\#(Self.floatStyle(purchase.amount))"#))
            )
        case .moneyWithOtherPlaces:
            return (
                key,
                patched(
                    #""unit_price":"\#(purchase.unitPrice)""#,
                    #""unit_price":"\#(Self.otherPlaces(purchase.unitPrice))""#,
                    and: (#""amount":"\#(purchase.amount)""#, #""amount":"\#(Self.otherPlaces(purchase.amount))""#))
            )
        case .createdAtEpochMillis:
            return (
                key,
                patched(
                    #""created_at":"\#(purchase.createdAt)""#,
                    #""created_at":\#(purchase.createdAt.microsecondsSinceEpoch / 1_000)"#)
            )
        }
        return (key, event.jsonBytes)
    }
}
