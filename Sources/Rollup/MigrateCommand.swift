import ArgumentParser
import Logging
import PostgresClient
import ProcessSupport

/// `rollup migrate`: applies `migrations/`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending migrations in order, each in its own transaction, with checksums.",
        discussion: """
            Refuses to run when an applied migration file was changed or removed. Waits up to --wait for the \
            database to accept connections (a server still starting, as a new container's is), then stops \
            with the last connection error; a refused login or a bad setting stops at once.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions

    @Option(help: "Seconds to wait for another migrator.")
    var lockTimeout = 60

    @Option(help: "How long to wait for the database to accept connections, e.g. 2m. Env: MIGRATE_WAIT.")
    var wait: DurationArgument =
        Environment.value("MIGRATE_WAIT").flatMap(DurationArgument.init(argument:))
        ?? DurationArgument(milliseconds: 15_000)

    func validate() throws {
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must not be negative") }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "migrate")
        let (settings, directory, lockTimeout, wait) = (database.settings, paths.migrations, lockTimeout, wait)
        let applied = await BlockingService.runCommand("rollup migrate", logger: logger) { stop in
            let db = try Self.connect(settings, waitingUpTo: wait.milliseconds, logger: logger, stop: stop)
            var migrator = Migrator(directory: directory, logger: logger, stop: stop)
            migrator.lockTimeoutMilliseconds = lockTimeout * 1_000
            return try migrator.migrate(db).map(\.name)
        }
        print("migrate: \(applied.count) applied\(applied.isEmpty ? "" : ": " + applied.joined(separator: ", "))")
    }

    /// A connection, retried with backoff while no server answers yet or it is still starting, for at most
    /// `limit` milliseconds (`PostgresError.isServerNotReady`); a refused login stops at once.
    static func connect(_ settings: String, waitingUpTo limit: UInt64, logger: Logger, stop: StopSignal) throws
        -> PostgresConnection
    {
        let started = MonotonicClock.nowMilliseconds()
        var backoff = Backoff(initialMilliseconds: 250, maximumMilliseconds: 5_000)
        while true {
            let failure: PostgresError
            do {
                return try PostgresConnection(settings: settings, applicationName: "purchase-migrate")
            } catch {
                failure = error
            }
            guard failure.isServerNotReady else { throw failure }
            let waited = MonotonicClock.nowMilliseconds() - started
            guard waited < limit else {
                throw PipelineError(
                    .configuration,
                    "the database did not accept connections within \(Double(limit) / 1_000) s (--wait); last error: \(failure)"
                )
            }
            let delay = min(backoff.next(), limit - waited)
            logger.info(
                "waiting for postgres",
                metadata: ["error": "\(failure)", "retry.in_seconds": "\(Double(delay) / 1_000)"])
            guard stop.wait(milliseconds: delay) else {
                throw PipelineError(.stopped, "stopped while waiting for postgres")
            }
        }
    }
}
