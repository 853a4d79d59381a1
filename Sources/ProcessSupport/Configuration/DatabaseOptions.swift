import ArgumentParser
import PostgresClient

/// The Postgres flag every executable shares.
public struct DatabaseOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "libpq connection string or URL (postgresql://user@host:5432/db). Env: DATABASE_URL. When absent, libpq's PG* variables apply.",
            valueName: "url"))
    var databaseURLFlag: String?

    public init() {}

    /// The settings to hand libpq; empty means "use the PG* environment".
    public var settings: String { databaseURLFlag ?? Environment.value("DATABASE_URL") ?? "" }

    public func validate() throws {
        do {
            try PostgresConnection.validate(settings: settings)
        } catch {
            throw ValidationError("--database-url / DATABASE_URL: \(error.message)")
        }
    }
}
