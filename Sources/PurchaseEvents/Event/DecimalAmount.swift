/// A decimal amount as a message writes it, parsed before its currency is known.
///
/// A purchase's fields come in any order, so `unit_price` and `amount` are often read before `currency`.
/// They are parsed to thousandths (the finest minor unit in ISO 4217) and checked against the currency's
/// places afterwards, so one rule holds for decimal strings and JSON numbers alike: digits, then optionally a
/// point and at least one digit; at most `maximumIntegerDigits` before the point; digits after the
/// currency's places only if they are zeros. `"3500"`, `"3500.00"` and `3500` are the same 3500 yen;
/// `"38.9"` is 38.90 euros. No sign, exponent, spaces or `+`.
struct DecimalAmount {
    /// The most places any currency has (BHD, IQD, JOD, KWD, LYD, OMR, TND).
    static let maximumExponent = 3
    /// Fifteen digits before the point, 10^15 thousandths: ten thousand of the largest unit price still
    /// fits in `Int64` (9.2 × 10^18).
    static let maximumIntegerDigits = 15

    /// The amount in thousandths of the unit.
    let thousandths: Int64
    /// Places up to the last non-zero digit after the point (`38.90` has 1); `maximumExponent + 1` when a
    /// non-zero digit lies beyond the thousandths, which no currency accepts.
    let places: Int

    init?(_ bytes: UnsafeRawBufferPointer) {
        var value: Int64 = 0
        var integerDigits = 0
        var fractionDigits = 0
        var places = 0
        var seenPoint = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint, integerDigits > 0 else { return nil }
                seenPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            if !seenPoint {
                integerDigits += 1
                guard integerDigits <= Self.maximumIntegerDigits else { return nil }
                value = value * 10 + digit
            } else {
                fractionDigits += 1
                if fractionDigits <= Self.maximumExponent {
                    value = value * 10 + digit
                    if digit != 0 { places = fractionDigits }
                } else if digit != 0 {
                    places = Self.maximumExponent + 1
                }
            }
        }
        guard integerDigits > 0, !seenPoint || fractionDigits > 0 else { return nil }
        for _ in min(fractionDigits, Self.maximumExponent)..<Self.maximumExponent { value *= 10 }
        self.thousandths = value
        self.places = places
    }

    /// The amount in a currency with `exponent` places; nil if it has more.
    func money(exponent: Int) -> Money? {
        guard places <= exponent else { return nil }
        let minorUnits =
            switch exponent {
            case 2: thousandths / 10
            case 0: thousandths / 1_000
            case 1: thousandths / 100
            default: thousandths
            }
        return Money(minorUnits: minorUnits, exponent: exponent)
    }
}
