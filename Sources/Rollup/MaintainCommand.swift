import ArgumentParser
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup maintain`: one partition-lifecycle step on demand (`rollup run` takes one before its first pass
/// and then once a minute), printing what it did.
struct MaintainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintain",
        abstract: "Look after the staging table's daily partitions once: make, fill from the default, drop.",
        discussion: """
            Makes the partitions of the next days (--partitions-ahead); gives each day within the horizon \
            (--partition-horizon) whose rows sit in the default partition a partition of its own, moving the \
            rows, a day per transaction and a few days per step; with --raw-retention, drops raw partitions \
            older than that once every model has rolled them up; with --summary-retention, deletes summary \
            rows older than that. Each DDL statement waits at most 2 s for its lock, then gives up until the \
            next step, so a loader never waits long.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions
    @OptionGroup(title: "Partition lifecycle") var maintenance: MaintenanceOptions

    func run() async throws {
        let logger = log.bootstrap(label: "rollup")
        do {
            let models = try RollupModel.load(from: paths.sql)
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-rollup-maintain")
            let outcome = try PartitionMaintenance(settings: try maintenance.settings(), models: models, logger: logger)
                .run(db)
            print("partitions created ahead: \(outcome.partitionsCreated)")
            for (day, rows) in outcome.drained.sorted(by: { $0.key < $1.key }) {
                print("day \(day): partition created, \(rows) rows moved from the default partition")
            }
            if !outcome.dropped.isEmpty { print("raw partitions dropped: \(outcome.dropped.joined(separator: ", "))") }
            if let waiting = outcome.retentionWaiting { print("raw retention waits: \(waiting)") }
            if outcome.summaryRowsDeleted > 0 { print("summary rows deleted: \(outcome.summaryRowsDeleted)") }
            if outcome.lockTimeouts > 0 {
                print("steps given up on a lock (tried again next time): \(outcome.lockTimeouts)")
            }
        } catch {
            ExitMessage.fail("rollup maintain", error)
        }
    }
}
