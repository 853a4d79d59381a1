import ArgumentParser
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup backfill`: recompute a range of event time on demand, for one model (and the models derived from
/// it) or all, one day per transaction with a progress line each.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Recompute a range of event time for a model and the models derived from it (or all models).",
        discussion: """
            Recomputes every window that holds raw rows in [--from, --to) or that the model's table already \
            has there, with the model's current SQL, one day per transaction under the rollup's lock (a pass \
            waits for the day in progress, never the reverse for long). Times are anything Postgres reads as \
            a timestamptz, e.g. 2026-11-24 or 2026-11-24T10:00:00Z.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions

    @Option(help: "The model (its file name without .sql); the models derived from it follow. Default: all.")
    var model: String?

    @Option(help: "Start of the range of event time (inclusive).")
    var from: String

    @Option(help: "End of the range of event time (exclusive).")
    var to: String

    func run() async throws {
        let logger = log.bootstrap(label: "rollup")
        do {
            let set = try RollupModel.load(from: paths.sql)
            let models = try Self.select(model, from: set, withDependents: true)
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-rollup-backfill")
            let rows = try RangeRecompute(models: models, from: from, to: to, logger: logger).backfill(db)
            print(
                "backfill: \(models.map(\.name).joined(separator: ", ")) recomputed over [\(from), \(to)): \(rows) rows written"
            )
        } catch {
            ExitMessage.fail("rollup backfill", error)
        }
    }

    /// The named model (with the models derived from it, if asked), in pass order; all runnable models when
    /// no name is given. A broken or unknown name is an error.
    static func select(_ name: String?, from set: ModelSet, withDependents: Bool) throws -> [RollupModel] {
        guard let name else { return set.models }
        if let broken = set.broken.first(where: { $0.model == name }) {
            throw PipelineError(.model, "model \(name) cannot run: \(broken.message)")
        }
        guard set.models.contains(where: { $0.name == name }) else {
            throw PipelineError(
                .model,
                "no model \(name) in the SQL directory (models: \(set.models.map(\.name).joined(separator: ", ")))")
        }
        let wanted = withDependents ? RollupModel.dependents(of: name, in: set.models).union([name]) : [name]
        return set.models.filter { wanted.contains($0.name) }
    }
}
