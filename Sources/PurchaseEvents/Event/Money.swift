/// An exact amount of money in hundredths of the currency unit.
///
/// Money never passes through binary floating point between the producer and `purchase_summary`: it is
/// parsed exactly from a decimal string with two places or from a JSON number's text, printed with two
/// places, summed as integers, and sent to Postgres as `numeric`.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var cents: Int64

    public init(cents: Int64) { self.cents = cents }

    /// The largest amount we accept: 10^12 - 0.01, far above any purchase, far below Int64 overflow even
    /// when multiplied by the largest quantity.
    public static let maximum = Money(cents: 99_999_999_999_99)

    /// Parses `"123.45"`: digits, a point, exactly two digits; no sign, exponent, spaces or leading `+`.
    public init?(decimalString bytes: some Collection<UInt8>) {
        var cents: Int64 = 0
        var integerDigits = 0
        var fractionDigits = 0
        var seenPoint = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint, integerDigits > 0 else { return nil }
                seenPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            if seenPoint { fractionDigits += 1 } else { integerDigits += 1 }
            guard integerDigits <= 12, fractionDigits <= 2 else { return nil }
            cents = cents * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        guard seenPoint, fractionDigits == 2 else { return nil }
        self.cents = cents
    }

    /// Parses a JSON number's text exactly, as producers that keep money in a number type send it: `38.97`,
    /// `38.9`, `38`, and `38.970` (places beyond the second must be zeros). No sign, no exponent, at most 12
    /// digits before the point. Never through `Double`: 38.97 has no binary floating-point value, and a
    /// sum of such values drifts off the cent.
    public init?(jsonNumber bytes: UnsafeRawBufferPointer) {
        var cents: Int64 = 0
        var integerDigits = 0
        var fractionDigits = 0
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
                guard integerDigits <= 12 else { return nil }
                cents = cents * 10 + digit
            } else {
                fractionDigits += 1
                if fractionDigits <= 2 {
                    cents = cents * 10 + digit
                } else if digit != 0 {
                    return nil
                }
            }
        }
        guard integerDigits > 0, !seenPoint || fractionDigits > 0 else { return nil }
        for _ in min(fractionDigits, 2)..<2 { cents *= 10 }
        self.cents = cents
    }

    public init?(_ string: String) { self.init(decimalString: string.utf8) }

    public var description: String {
        String(decoding: JSONByteWriter.bytes(bound: 22) { $0.money(self) }, as: UTF8.self)
    }

    public static func < (a: Money, b: Money) -> Bool { a.cents < b.cents }
    public static func + (a: Money, b: Money) -> Money { Money(cents: a.cents + b.cents) }
    public static func += (a: inout Money, b: Money) { a.cents += b.cents }
}
