import ArgumentParser
import Foundation
import Logging
import PipelineCore
import PostgresClient

/// `rollup`: schema migrations, the windowed rollup, and a report of its result.
@main
struct RollupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollup",
        abstract: "Apply migrations, roll raw purchases up into purchase_summary, and report the result.",
        subcommands: [Migrate.self, Run.self, Report.self])
}

/// Flags shared by the subcommands that read files from the repository.
struct PathOptions: ParsableArguments {
    @Option(help: "Directory of versioned schema files. Env: MIGRATIONS_DIR. Default: migrations.")
    var migrationsDir: String?

    @Option(help: "Directory of rollup SQL models. Env: SQL_DIR. Default: sql.")
    var sqlDir: String?

    var migrations: String { migrationsDir ?? Environment.value("MIGRATIONS_DIR") ?? "migrations" }
    var sql: String { sqlDir ?? Environment.value("SQL_DIR") ?? "sql" }
}

extension RollupCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations in order, each in its own transaction, with checksums.",
            discussion: "Refuses to run when an applied migration file was changed or removed.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var paths: PathOptions
        @OptionGroup var log: LogOptions

        @Option(help: "Seconds to wait for another migrator. Default: 60.")
        var lockTimeout = 60

        func run() async throws {
            let logger = log.bootstrap(label: "migrate")
            do {
                let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-migrate")
                var migrator = Migrator(directory: paths.migrations, logger: logger)
                migrator.lockTimeoutMilliseconds = lockTimeout * 1_000
                let applied = try migrator.migrate(db)
                print("migrate: \(applied.count) applied\(applied.isEmpty ? "" : ": " + applied.map(\.name).joined(separator: ", "))")
            } catch {
                ExitMessage.fail("rollup migrate", error)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the windows touched since the last pass and upsert purchase_summary.",
            discussion: """
                One pass by default; with --every it runs on a timer until SIGTERM/SIGINT. An advisory lock \
                keeps two rollups from overlapping; running a pass twice changes nothing.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var paths: PathOptions
        @OptionGroup var log: LogOptions

        @Option(help: "Run a pass every interval, e.g. 60s, until signalled.")
        var every: DurationArgument?

        @Option(help: "Window size, a Postgres interval. Env: WINDOW_SIZE. Default: '1 minute'.")
        var window: String?

        @Flag(help: "Recompute every window that has raw rows (after changing a model).")
        var full = false

        func run() async throws {
            let logger = log.bootstrap(label: "rollup")
            let windowSize = window ?? Environment.value("WINDOW_SIZE") ?? "1 minute"
            let (settings, every, full) = (database.settings, every, full)
            let models: [RollupModel]
            do {
                models = try RollupModel.load(from: paths.sql)
            } catch {
                ExitMessage.fail("rollup run", error)
            }
            await BlockingService.runCommand("rollup run", logger: logger) { stop in
                    var runner = RollupRunner(models: models, logger: logger)
                    runner.windowSize = windowSize
                    runner.full = full
                    var db = try PostgresConnection(settings: settings, applicationName: "purchase-rollup")
                    logger.info("connected to postgres \(db.endpointDescription)", metadata: ["window": "\(windowSize)"])
                    guard let every else {
                        try runner.runPass(db)
                        return
                    }
                    // On a timer, losing Postgres is waited out: a pass is one transaction, so the one that
                    // failed left nothing behind, and its minutes are still in the ledger for the next.
                    var backoff = Backoff()
                    var next = MonotonicClock.nowMilliseconds()
                    var lostAt: UInt64?
                    while !stop.isStopped {
                        if MonotonicClock.nowMilliseconds() < next {
                            usleep(50_000)
                            continue
                        }
                        do {
                            if lostAt != nil {
                                db = try PostgresConnection(settings: settings, applicationName: "purchase-rollup")
                            }
                            try runner.runPass(db)
                            runner.full = false
                            if let since = lostAt {
                                let outage = Double(MonotonicClock.nowMilliseconds() - since) / 1000
                                logger.info("reconnected to postgres after \(outage) s; pass done")
                                lostAt = nil
                                backoff.reset()
                            }
                            next = MonotonicClock.nowMilliseconds() + every.milliseconds
                        } catch let error as PostgresError where error.isOutage {
                            let delay = backoff.next()
                            logger.warning(
                                "postgres \(lostAt == nil ? "unavailable" : "still unavailable"): \(error); pass rolled back; reconnecting in \(Double(delay) / 1000) s")
                            if lostAt == nil { lostAt = MonotonicClock.nowMilliseconds() }
                            next = MonotonicClock.nowMilliseconds() + delay
                        }
                    }
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print purchase amount by country for the latest complete windows, and check the totals.",
            discussion: """
                The totals check compares purchase_summary with an independent GROUP BY over the deduplicated \
                raw rows (and with --expect-amount, with what the generator reported). Exits 1 on a mismatch.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var log: LogOptions

        @Option(help: "How many of the latest complete windows to show. Default: 3.")
        var windows = 3

        @Option(help: "Countries per window. Default: 8.")
        var countries = 8

        @Option(help: "The total amount the summary must hold, e.g. the generator's valid amount.")
        var expectAmount: String?

        func run() async throws {
            _ = log.bootstrap(label: "report")
            do {
                let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-report")
                let ok = try SummaryReport(db: db).print(windows: windows, countries: countries, expectAmount: expectAmount)
                if !ok { throw ExitCode.failure }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                ExitMessage.fail("rollup report", error)
            }
        }
    }
}
