import ArgumentParser
import PostgresClient
import ProcessSupport

/// `rollup run`: one pass, or passes on a timer.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
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
        let models: [RollupModel]
        do {
            models = try RollupModel.load(from: paths.sql)
        } catch {
            ExitMessage.fail("rollup run", error)
        }
        var runner = RollupRunner(models: models, logger: logger)
        runner.windowSize = window ?? Environment.value("WINDOW_SIZE") ?? "1 minute"
        runner.full = full
        let service = RollupService(
            runner: runner, databaseSettings: database.settings,
            intervalMilliseconds: every?.milliseconds, logger: logger)
        await BlockingService.runCommand("rollup run", logger: logger) { stop in try service.run(stop: stop) }
    }
}
