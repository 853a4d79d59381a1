import ArgumentParser
import Logging
import Operations
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup run`: one pass, or passes on a timer.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Bring every model in sql/ up to date with the rows loaded since its last pass.",
        discussion: """
            One pass by default; with --every it runs on a timer until SIGTERM/SIGINT, reading sql/ before \
            every pass. A new model, or one whose SQL changed in meaning (not only in comments or \
            whitespace), is recomputed over all the history, with the models derived from it. A failing \
            model is reported (file, line:column, Postgres' message) and left as it was; the others run, \
            and a single pass then exits 1. An advisory lock keeps two rollups from overlapping; running a \
            pass twice changes nothing. Before the first pass, and then at most once a minute, a maintenance \
            step looks after the staging partitions (see `rollup maintain`).
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions
    @OptionGroup(title: "Partition lifecycle") var maintenance: MaintenanceOptions
    @OptionGroup(title: "Operations (with --every)") var operations: OperationsOptions

    @Option(
        help:
            "Start a pass every interval, e.g. 5s, until signalled (start to start: a pass that overruns is followed at once)."
    )
    var every: DurationArgument?

    @Flag(help: "Recompute every window of every model that has raw rows (changed models need no flag).")
    var full = false

    @Option(
        help: """
            How long after the latest event time loaded a window becomes final, for models whose header sets \
            no lateness, e.g. 5m. Env: ALLOWED_LATENESS. Default: 5m.
            """)
    var allowedLateness: DurationArgument?

    /// The effective allowed lateness: the flag, else ALLOWED_LATENESS, else 5 minutes.
    var latenessSeconds: Int {
        get throws {
            if let allowedLateness { return Int(allowedLateness.milliseconds / 1_000) }
            guard let raw = Environment.value("ALLOWED_LATENESS") else { return 300 }
            guard let value = DurationArgument(argument: raw) else {
                throw ValidationError(
                    "ALLOWED_LATENESS: expected a duration such as 5m or 90s, got \(raw.debugDescription)")
            }
            return Int(value.milliseconds / 1_000)
        }
    }

    func validate() throws {
        _ = try latenessSeconds
        if operations.port != nil, every == nil {
            throw ValidationError("--metrics-port (or METRICS_PORT) serves a running rollup: add --every")
        }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "rollup")
        let settings = try maintenance.settings()
        let lateness = try latenessSeconds
        // The effective settings (the database endpoint follows once connected, without its password).
        logger.info(
            "rollup starting",
            metadata: [
                "sql": "\(paths.sql)", "every": "\(every.map { "\($0.milliseconds) ms" } ?? "one pass")",
                "full": "\(full)", "allowed_lateness_s": "\(lateness)",
                "partitions_ahead": "\(settings.daysAhead)", "partition_horizon_days": "\(settings.horizonDays)",
                "raw_retention_days": "\(settings.rawRetentionDays.map(String.init) ?? "off")",
                "summary_retention_days": "\(settings.summaryRetentionDays.map(String.init) ?? "off")",
                "metrics_port": "\(operations.port.map(String.init) ?? "off")",
            ])
        var service = RollupService(
            sqlDirectory: paths.sql, full: full, allowedLatenessSeconds: lateness,
            maintenance: settings, databaseSettings: database.settings,
            intervalMilliseconds: every?.milliseconds, logger: logger)
        OperationsOptions.describe(RollupMetrics.descriptions)
        let metrics = RollupMetrics()
        let readiness = Readiness(required: ["postgres", "passes"])
        let server: OperationsServer?
        do {
            server = try await operations.serve(readiness: readiness, logger: logger, beforeScrape: metrics.refreshAge)
        } catch {
            ExitMessage.fail("rollup run", error)
        }
        if server != nil {
            service.metrics = metrics
            service.readiness = readiness
        }

        await BlockingService.runCommand("rollup run", logger: logger) { [service] stop in try service.run(stop: stop) }
        await server?.stop()
    }
}
