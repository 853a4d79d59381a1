import ArgumentParser
import PostgresClient
import ProcessSupport

/// `rollup migrate`: applies `migrations/`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending migrations in order, each in its own transaction, with checksums.",
        discussion: "Refuses to run when an applied migration file was changed or removed.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions

    @Option(help: "Seconds to wait for another migrator.")
    var lockTimeout = 60

    func validate() throws {
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must not be negative") }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "migrate")
        let (settings, directory, lockTimeout) = (database.settings, paths.migrations, lockTimeout)
        let applied = await BlockingService.runCommand("rollup migrate", logger: logger) { stop in
            let db = try PostgresConnection(settings: settings, applicationName: "purchase-migrate")
            var migrator = Migrator(directory: directory, logger: logger, stop: stop)
            migrator.lockTimeoutMilliseconds = lockTimeout * 1_000
            return try migrator.migrate(db).map(\.name)
        }
        print("migrate: \(applied.count) applied\(applied.isEmpty ? "" : ": " + applied.joined(separator: ", "))")
    }
}
