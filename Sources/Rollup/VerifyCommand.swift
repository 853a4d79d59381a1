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
            derived model is compared with what its source computes now when the source is verified too. \
            With purchase_summary among the models, the totals converted to the reporting currency are \
            recomputed from the raw events too (each minute's total per currency at its day's rate), and the \
            minutes that have no rate yet are listed.
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
        var differences: [RangeRecompute.Difference]
        var convertedDifferences = 0
        do {
            let set = try RollupModel.load(from: paths.sql)
            let models = try BackfillCommand.select(model, from: set, withDependents: false)
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-rollup-verify")
            let result = try RangeRecompute(
                models: models, from: from ?? "-infinity", to: to ?? "infinity", logger: logger
            ).verify(db)
            differences = result.differences
            for difference in differences { print(difference) }
            if models.contains(where: { $0.name == "purchase_summary" }) {
                convertedDifferences = try checkConverted(db)
            }
            print(
                "verify: \(models.count) model\(models.count == 1 ? "" : "s"), \(result.windows) window\(result.windows == 1 ? "" : "s"), \(differences.count) difference\(differences.count == 1 ? "" : "s")"
            )
        } catch {
            ExitMessage.fail("rollup verify", error)
        }
        if !differences.isEmpty || convertedDifferences > 0 { throw ExitCode.failure }
    }

    /// The converted totals against a recompute (migration V020); returns the differences found.
    private func checkConverted(_ db: PostgresConnection) throws -> Int {
        let range = [from ?? "-infinity", to ?? "infinity"]
        let found = try db.query("select * from converted_totals_differences($1, $2)", range).rows
        for row in found {
            print(
                "converted totals \(row[0] ?? "") \(row[1] ?? ""): recomputed \(row[2] ?? "no rate"), stored \(row[3] ?? "no rate")"
            )
        }
        let missing = try db.query("select * from converted_totals_without_rate($1, $2)", range).rows
        for row in missing {
            print(
                "no rate for \(row[0] ?? "") on the days of \(row[1] ?? "") minutes, \(row[2] ?? "") to \(row[3] ?? "") UTC: "
                    + "not convertible until one is loaded (rollup rates load)")
        }
        let reporting = try db.query("select code from reporting_currency").scalar(String.self)
        print("verify: converted totals in \(reporting), \(found.count) difference\(found.count == 1 ? "" : "s")")
        return found.count
    }
}
