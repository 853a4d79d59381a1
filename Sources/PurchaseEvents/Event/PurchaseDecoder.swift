/// Turns a message value into a valid `PurchaseEvent` or the reason it is not one.
///
/// The validation policy (README, "What the loader accepts"; `schemas/purchase.schema.json`): every field is
/// required and typed; text fields are 1–64 bytes of valid UTF-8 without NUL; `user_id` and `product_id` may
/// also be JSON integers, stored as their decimal text (`7940` and `"7940"` are the same id); `quantity` is an
/// integer 1...10,000; `country` and `currency` are known ISO codes; `unit_price` and `amount` are decimal
/// strings or JSON numbers with at most the currency's ISO 4217 places (`DecimalAmount`: parsed exactly from
/// their text, never through `Double`), the unit price is at most the currency's cap
/// (`ReferenceData.unitPriceCapUnits`), and `amount = quantity × unit_price` to the minor unit; `created_at` is RFC 3339 text or
/// an integer of epoch milliseconds and lies between 2000-01-01 and `maxFutureSkew` after the loader's clock.
/// Unknown extra fields are ignored, so producers can add fields without breaking loading; a field given
/// twice is rejected, since which one wins would be a guess.
public struct PurchaseDecoder: Sendable {
    /// How far ahead of the loader's clock an event time may be (clock skew). Default: 1 hour.
    public var maxFutureSkew: Int64 = 3_600_000_000
    /// The earliest event time accepted. Default: 2000-01-01T00:00:00Z.
    public var earliest = EventTime(microsecondsSinceEpoch: EventTime.postgresEpochOffset)

    public init() {}

    private enum Field: Int, CaseIterable {
        case purchaseID, userID, productID, category, country, quantity, unitPrice, amount, currency,
            paymentMethod, createdAt

        var name: String { asciiName.description }

        init?(name: String) {
            switch name {
            case "purchase_id": self = .purchaseID
            case "user_id": self = .userID
            case "product_id": self = .productID
            case "category": self = .category
            case "country": self = .country
            case "quantity": self = .quantity
            case "unit_price": self = .unitPrice
            case "amount": self = .amount
            case "currency": self = .currency
            case "payment_method": self = .paymentMethod
            case "created_at": self = .createdAt
            default: return nil
            }
        }

        /// The field a key names. Keys are nearly always plain ASCII (`JSONText.raw`) and are then matched
        /// by their bytes, without building a `String`: for ASCII, equal strings are equal bytes. Decoded keys
        /// (escapes, non-ASCII) go through `init(name:)`'s `String` comparison.
        init?(key: JSONText) {
            guard case .raw(let bytes) = key else {
                self.init(name: key.string)
                return
            }
            let candidate: Field
            // Length and first bytes tell the eleven names apart; `matches` then confirms the match.
            switch bytes.count {
            case 6: candidate = .amount
            case 7: candidate = bytes[0] == UInt8(ascii: "u") ? .userID : .country
            case 8:
                candidate =
                    bytes[0] == UInt8(ascii: "q") ? .quantity : bytes[1] == UInt8(ascii: "a") ? .category : .currency
            case 10:
                candidate =
                    bytes[0] == UInt8(ascii: "p") ? .productID : bytes[0] == UInt8(ascii: "u") ? .unitPrice : .createdAt
            case 11: candidate = .purchaseID
            case 14: candidate = .paymentMethod
            default: return nil
            }
            guard Self.matches(bytes, candidate.asciiName) else { return nil }
            self = candidate
        }

        /// Whether `bytes` are exactly the bytes of `name`. Names of 4 to 16 bytes are compared as two
        /// overlapping words (the first and the last 4 or 8 bytes), both inside both buffers since their
        /// length is at least the word's; anything else byte by byte.
        static func matches(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
            let n = bytes.count
            guard n == name.utf8CodeUnitCount else { return false }
            let other = UnsafeRawBufferPointer(start: name.utf8Start, count: n)
            func sameWords<T: FixedWidthInteger>(_: T.Type) -> Bool {
                let last = n - MemoryLayout<T>.size
                return bytes.loadUnaligned(as: T.self) == other.loadUnaligned(as: T.self)
                    && bytes.loadUnaligned(fromByteOffset: last, as: T.self)
                        == other.loadUnaligned(fromByteOffset: last, as: T.self)
            }
            switch n {
            case 8...16: return sameWords(UInt64.self)
            case 4..<8: return sameWords(UInt32.self)
            default: return bytes.elementsEqual(other)
            }
        }

        /// `name` as a `StaticString`, whose bytes are compared without `String`'s generic machinery (the
        /// generic comparison cost more than the rest of decoding in a profile).
        private var asciiName: StaticString {
            switch self {
            case .purchaseID: "purchase_id"
            case .userID: "user_id"
            case .productID: "product_id"
            case .category: "category"
            case .country: "country"
            case .quantity: "quantity"
            case .unitPrice: "unit_price"
            case .amount: "amount"
            case .currency: "currency"
            case .paymentMethod: "payment_method"
            case .createdAt: "created_at"
            }
        }
    }

    /// The text fields seen so far, without an array allocation per message.
    private struct Strings {
        var purchaseID, userID, productID, category, country, currency, paymentMethod: JSONText?

        subscript(field: Field) -> JSONText? {
            get {
                switch field {
                case .purchaseID: purchaseID
                case .userID: userID
                case .productID: productID
                case .category: category
                case .country: country
                case .currency: currency
                case .paymentMethod: paymentMethod
                case .quantity, .unitPrice, .amount, .createdAt: nil
                }
            }
            set {
                switch field {
                case .purchaseID: purchaseID = newValue
                case .userID: userID = newValue
                case .productID: productID = newValue
                case .category: category = newValue
                case .country: country = newValue
                case .currency: currency = newValue
                case .paymentMethod: paymentMethod = newValue
                case .quantity, .unitPrice, .amount, .createdAt: break
                }
            }
        }
    }

    public func decode(_ value: UnsafeRawBufferPointer?, now: EventTime) throws(ValidationFailure) -> PurchaseEvent {
        try decodeBorrowing(value, now: now).event
    }

    /// `decode` without copying the text fields out of the message: the loader's path. The result's text
    /// is valid only while `value` is.
    func decodeBorrowing(_ value: UnsafeRawBufferPointer?, now: EventTime) throws(ValidationFailure) -> BorrowedPurchase
    {
        guard let value else { throw ValidationFailure(.notJSON, "null message value") }
        var strings = Strings()
        var quantity: Int64 = 0
        var unitPriceDecimal: DecimalAmount?
        var amountDecimal: DecimalAmount?
        var unitPriceValue = FlatJSONScanner.Value.null
        var amountValue = FlatJSONScanner.Value.null
        var createdAt = EventTime(microsecondsSinceEpoch: 0)
        var seen = 0
        var scanner = FlatJSONScanner(value)
        try scanner.scanObject { (key, value) throws(ValidationFailure) in
            guard let field = Field(key: key) else { return }
            let bit = 1 << field.rawValue
            guard seen & bit == 0 else {
                throw ValidationFailure(.duplicateField, "field \(key.string) appears more than once")
            }
            seen |= bit
            switch field {
            case .quantity: quantity = try Self.quantity(value)
            case .unitPrice:
                unitPriceDecimal = try Self.decimal(value, field)
                unitPriceValue = value
            case .amount:
                amountDecimal = try Self.decimal(value, field)
                amountValue = value
            case .createdAt: createdAt = try Self.time(value)
            case .userID, .productID: strings[field] = try Self.identifier(value, field)
            default:
                guard case .string(let text) = value else {
                    throw ValidationFailure(.wrongType, "\(field.name) must be a string")
                }
                strings[field] = text
            }
        }
        if seen != 1 << Field.allCases.count - 1 {
            for field in Field.allCases where seen & 1 << field.rawValue == 0 {
                throw ValidationFailure(.missingField, "missing field \(field.name)")
            }
        }
        guard quantity >= 1, quantity <= 10_000 else {
            throw ValidationFailure(.badQuantity, "quantity must be between 1 and 10000, got \(quantity)")
        }

        func text(_ field: Field) throws(ValidationFailure) -> JSONText {
            let s = strings[field]!
            let problem: String? = s.withBytes { bytes in
                if bytes.isEmpty { return "is empty" }
                if bytes.count > 64 { return "is longer than 64 bytes" }
                if bytes.contains(0) { return "contains a NUL character" }
                return nil
            }
            if let problem { throw ValidationFailure(.badText, "\(field.name) \(problem)") }
            return s
        }

        guard let purchaseID = strings.purchaseID!.withBytes({ PurchaseID(bytes: $0) }) else {
            throw ValidationFailure(.badPurchaseID, "purchase_id is not a UUID")
        }
        let country = try text(.country)
        guard ReferenceData.isCountry(country) else {
            throw ValidationFailure(
                .unknownCountry, "country \(country.string.debugDescription) is not an ISO 3166-1 alpha-2 code")
        }
        let currency = try text(.currency)
        guard let rule = ReferenceData.currencyRule(currency) else {
            throw ValidationFailure(
                .unknownCurrency, "currency \(currency.string.debugDescription) is not an ISO 4217 code")
        }
        let exponent = Int(rule.exponent)
        func money(_ decimal: DecimalAmount, _ value: FlatJSONScanner.Value, _ field: Field) throws(ValidationFailure)
            -> Money
        {
            guard let money = decimal.money(exponent: exponent) else {
                throw ValidationFailure(
                    .badMoney,
                    "\(field.name) \(Self.excerpt(value)) has more decimal places than \(currency.string), whose minor unit has \(exponent) (ISO 4217)"
                )
            }
            return money
        }
        let unitPrice = try money(unitPriceDecimal!, unitPriceValue, .unitPrice)
        let amount = try money(amountDecimal!, amountValue, .amount)
        guard unitPrice.minorUnits <= rule.unitPriceCap else {
            throw ValidationFailure(
                .badMoney,
                "unit_price \(unitPrice) is above the cap for \(currency.string), \(Money(minorUnits: rule.unitPriceCap, exponent: exponent))"
            )
        }
        // Below the cap, 10,000 times the unit price fits (`DecimalAmount.maximumIntegerDigits`).
        let expected = unitPrice.times(quantity)!
        guard amount == expected else {
            throw ValidationFailure(
                .amountMismatch,
                "amount \(amount) is not quantity × unit_price (\(quantity) × \(unitPrice) = \(expected))")
        }
        guard createdAt >= earliest else {
            throw ValidationFailure(.badTime, "created_at \(createdAt) is before \(earliest)")
        }
        guard createdAt.microsecondsSinceEpoch <= now.microsecondsSinceEpoch + maxFutureSkew else {
            throw ValidationFailure(.badTime, "created_at \(createdAt) is in the future (loader clock \(now))")
        }
        return BorrowedPurchase(
            purchaseID: purchaseID, userID: try text(.userID), productID: try text(.productID),
            category: try text(.category), country: country, quantity: Int32(quantity), unitPrice: unitPrice,
            amount: amount, currency: currency, paymentMethod: try text(.paymentMethod), createdAt: createdAt)
    }

    /// `quantity`: a JSON integer (a string "3" is refused: quantities are counted, not labelled).
    private static func quantity(_ value: FlatJSONScanner.Value) throws(ValidationFailure) -> Int64 {
        guard case .number(let digits) = value else { throw ValidationFailure(.wrongType, "quantity must be a number") }
        guard let quantity = integer(digits) else {
            throw ValidationFailure(.badQuantity, "quantity must be a whole number, got \(excerpt(digits, 24))")
        }
        return quantity
    }

    /// `unit_price` or `amount`: a decimal string (`"38.97"`, `"3500"`) or a JSON number (`38.97`, `3500`),
    /// parsed exactly from its text by one rule (`DecimalAmount`); its places are checked once the currency
    /// is known. An exponent, a sign, or more than 15 digits before the point is refused.
    private static func decimal(_ value: FlatJSONScanner.Value, _ field: Field) throws(ValidationFailure)
        -> DecimalAmount
    {
        let parsed: DecimalAmount?
        switch value {
        case .string(let text): parsed = text.withBytes { DecimalAmount($0) }
        case .number(let digits): parsed = DecimalAmount(digits)
        default:
            throw ValidationFailure(
                .wrongType, "\(field.name) must be a decimal string like \"12.50\" or a number like 12.5")
        }
        guard let parsed else {
            throw ValidationFailure(
                .badMoney,
                "\(field.name) \(excerpt(value)) is not a decimal amount: digits with an optional point, no sign or exponent, at most 15 digits before the point"
            )
        }
        return parsed
    }

    /// `created_at`: RFC 3339 text, or a JSON integer of milliseconds since the Unix epoch (what
    /// `Date.now()` and `System.currentTimeMillis()` give producers).
    private static func time(_ value: FlatJSONScanner.Value) throws(ValidationFailure) -> EventTime {
        switch value {
        case .string(let text):
            guard let time = text.withBytes({ EventTime(rfc3339: $0) }) else {
                throw ValidationFailure(
                    .badTime, "created_at \(text.string.prefix(40).debugDescription) is not an RFC 3339 time")
            }
            return time
        case .number(let digits):
            guard let milliseconds = integer(digits) else {
                throw ValidationFailure(
                    .badTime, "created_at \(excerpt(digits, 32)) is not a whole number of epoch milliseconds")
            }
            // 1970 to 9999, so that the time can be printed (in a reason, too) as RFC 3339.
            guard milliseconds >= 0, milliseconds <= 253_402_300_799_999 else {
                throw ValidationFailure(
                    .badTime, "created_at \(milliseconds) is not epoch milliseconds between 1970 and 9999")
            }
            return EventTime(microsecondsSinceEpoch: milliseconds * 1_000)
        default:
            throw ValidationFailure(
                .badTime, "created_at must be an RFC 3339 string or an integer of epoch milliseconds")
        }
    }

    /// `user_id` or `product_id`: a string, or a JSON integer kept as its decimal text. JSON's grammar gives
    /// an integer one spelling (no leading zeros or `+`), so the text is canonical and `7940` is `"7940"`.
    private static func identifier(_ value: FlatJSONScanner.Value, _ field: Field) throws(ValidationFailure)
        -> JSONText
    {
        switch value {
        case .string(let text): return text
        case .number(let digits):
            guard
                !digits.contains(where: {
                    $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
                })
            else {
                throw ValidationFailure(
                    .wrongType, "\(field.name) \(excerpt(digits, 32)) is a number but not a whole one")
            }
            return .raw(digits)
        default: throw ValidationFailure(.wrongType, "\(field.name) must be a string or a whole number")
        }
    }

    /// The start of a number's text, for a reason.
    private static func excerpt(_ digits: UnsafeRawBufferPointer, _ length: Int) -> String {
        String(decoding: digits.prefix(length), as: UTF8.self)
    }

    /// An amount as the message wrote it, for a reason: a string quoted, a number as it stands.
    private static func excerpt(_ value: FlatJSONScanner.Value) -> String {
        switch value {
        case .string(let text): text.string.prefix(32).debugDescription
        case .number(let digits): excerpt(digits, 32)
        default: ""
        }
    }

    /// A JSON integer without fraction or exponent, within ±10^15 (anything bigger is out of range anyway).
    static func integer(_ digits: UnsafeRawBufferPointer) -> Int64? {
        var value: Int64 = 0
        var negative = false
        var count = 0
        for (k, b) in digits.enumerated() {
            if k == 0, b == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard b >= 48, b <= 57 else { return nil }
            count += 1
            guard count <= 15 else { return nil }
            value = value * 10 + Int64(b - 48)
        }
        return negative ? -value : value
    }
}
