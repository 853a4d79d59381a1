import ArgumentParser
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup drop`: removes a retired model's table and records.
struct DropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drop",
        abstract: "Remove a retired model (its file is gone from sql/): its table, its record and its pending minutes.",
        discussion: """
            A model whose file is removed from sql/ is retired by the next pass: its table is kept and no longer \
            maintained, and `rollup status` lists it. This drops the table for good. A model whose file is \
            still in sql/ is refused, since the next pass would build it again.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions

    @Argument(help: "The model's name (its former file name without .sql).")
    var name: String

    func run() async throws {
        _ = log.bootstrap(label: "rollup")
        do {
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-rollup-drop")
            try ModelDrop(name: name, sqlDirectory: paths.sql).run(db)
            print("drop: model \(name) and its table removed")
        } catch {
            ExitMessage.fail("rollup drop", error)
        }
    }
}
