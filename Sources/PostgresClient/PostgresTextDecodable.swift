/// A Swift type a result cell's text turns into, so callers read `Int64` and `Bool` rather than parsing
/// strings with force unwraps (`Int(row[0]!)!`) that would crash a long-running process on a surprise.
public protocol PostgresTextDecodable {
    /// nil when the text is not a value of this type.
    init?(postgresText text: String)
}

extension String: PostgresTextDecodable {
    public init?(postgresText text: String) { self = text }
}

extension Int: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Double: PostgresTextDecodable {
    /// `float8`'s text (Postgres 12+ prints the shortest exact form), `NaN` and `Infinity` included.
    public init?(postgresText text: String) { self.init(text) }
}

extension Bool: PostgresTextDecodable {
    /// Postgres' text form of a boolean is `t` or `f`.
    public init?(postgresText text: String) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
}

extension [UInt8]: PostgresTextDecodable {
    /// `bytea`'s text form as Postgres prints it by default (`bytea_output = hex`): `\x` and two hex digits
    /// per byte.
    public init?(postgresText text: String) {
        let digits = Array(text.utf8)
        guard digits.count >= 2, digits[0] == UInt8(ascii: "\\"), digits[1] == UInt8(ascii: "x"), digits.count % 2 == 0
        else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2 - 1)
        var k = 2
        while k < digits.count {
            guard let high = nibble(digits[k]), let low = nibble(digits[k + 1]) else { return nil }
            bytes.append(high << 4 | low)
            k += 2
        }
        self = bytes
    }
}
