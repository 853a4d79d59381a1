/// An exact amount of money in its currency's minor unit: 3500 yen, 38.97 euros as 3897 cents, 1.234 dinars
/// as 1234 fils.
///
/// Money never passes through binary floating point between the producer and a summary: it is parsed exactly
/// from a decimal string or a JSON number's text, printed with its currency's places, summed as integers, and
/// sent to Postgres as `numeric` with that many places. Two amounts add only in the same minor unit; the
/// caller keeps currencies apart (amounts of different currencies are never added).
public struct Money: Hashable, Sendable, CustomStringConvertible {
    /// The amount in the currency's minor unit.
    public var minorUnits: Int64
    /// Digits after the point: the ISO 4217 minor unit (0 for JPY, 2 for EUR, 3 for BHD).
    public var exponent: Int

    public init(minorUnits: Int64, exponent: Int) {
        precondition(0...DecimalAmount.maximumExponent ~= exponent, "Money: exponent \(exponent) is not 0...3")
        self.minorUnits = minorUnits
        self.exponent = exponent
    }

    /// Parses `text` under the decoder's rule (`DecimalAmount`) for a currency with `exponent` places.
    public init?(_ text: String, exponent: Int) {
        var copy = text
        guard let amount = copy.withUTF8({ DecimalAmount(UnsafeRawBufferPointer($0)) }) else { return nil }
        guard let money = amount.money(exponent: exponent) else { return nil }
        self = money
    }

    public var description: String {
        String(decoding: JSONByteWriter.bytes(bound: 22) { $0.money(self) }, as: UTF8.self)
    }

    /// `self × factor`, nil if it does not fit.
    public func times(_ factor: Int64) -> Money? {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        return overflow ? nil : Money(minorUnits: product, exponent: exponent)
    }

    public static func + (a: Money, b: Money) -> Money {
        precondition(a.exponent == b.exponent, "Money: adding amounts in different minor units")
        return Money(minorUnits: a.minorUnits + b.minorUnits, exponent: a.exponent)
    }

    public static func += (a: inout Money, b: Money) { a = a + b }
}
