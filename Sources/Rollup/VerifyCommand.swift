import ArgumentParser
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup verify`: does every summary row still say what the model's current SQL computes from the raw rows?
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute a range from the raw rows with each model's current SQL and compare every summary row.",
        discussion: """
            Runs in a transaction that is always rolled back, under the rollup's lock: nothing is changed. \
            Prints each difference (model, window, key, expected, found) and exits 1 if there is one. A \
            derived model is compared with what its source computes now when the source is verified too.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions

    @Option(help: "Only this model (its file name without .sql). Default: all.")
    var model: String?

    @Option(help: "Start of the range of event time (inclusive). Default: the beginning.")
    var from: String?

    @Option(help: "End of the range of event time (exclusive). Default: the end.")
    var to: String?

    func run() async throws {
        let logger = log.bootstrap(label: "rollup")
        let differences: [RangeRecompute.Difference]
        do {
            let set = try RollupModel.load(from: paths.sql)
            let models = try BackfillCommand.select(model, from: set, withDependents: false)
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-rollup-verify")
            let result = try RangeRecompute(
                models: models, from: from ?? "-infinity", to: to ?? "infinity", logger: logger
            ).verify(db)
            differences = result.differences
            for difference in differences { print(difference) }
            print(
                "verify: \(models.count) model\(models.count == 1 ? "" : "s"), \(result.windows) window\(result.windows == 1 ? "" : "s"), \(differences.count) difference\(differences.count == 1 ? "" : "s")"
            )
        } catch {
            ExitMessage.fail("rollup verify", error)
        }
        if !differences.isEmpty { throw ExitCode.failure }
    }
}
