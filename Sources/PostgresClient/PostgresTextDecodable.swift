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
