import ArgumentParser
import Foundation
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup status`: each model's version, last run and backlog, for people (a table) and machines (`--json`).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show each model: version, last run, rows written, windows pending, whether a recompute is due, finality and late events.",
        discussion: """
            Reads the models in sql/ and the database in a read-only transaction; changes nothing. State: \
            current (the rows come from this version), new or changed (the next pass recomputes the whole \
            history), source changed (derived from one of those), broken (cannot run; why is shown). \
            Windows ending at or before a model's watermark are final; late events arrived after their \
            window had become final (and corrected it).
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions
    @OptionGroup(title: "Partition lifecycle (what retention would do)") var maintenance: MaintenanceOptions

    @Flag(help: "One JSON object: `models` (one object per model) and `partitions` (partition health).")
    var json = false

    /// What `--json` prints.
    struct Report: Codable {
        var models: [ModelStatus]
        var partitions: PartitionHealth
    }

    func run() async throws {
        _ = log.bootstrap(label: "rollup")
        do {
            let settings = try maintenance.settings()
            let report = try ReadOnlyModels(sqlDirectory: paths.sql, databaseSettings: database.settings).read {
                set, db in
                Report(models: try ModelStatus.read(set, db), partitions: try PartitionHealth.read(settings, set, db))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print(Self.table(report.models))
            print("")
            print(report.partitions.text)
        } catch {
            ExitMessage.fail("rollup status", error)
        }
    }

    /// The statuses as an aligned text table.
    static func table(_ statuses: [ModelStatus]) -> String {
        let header = [
            "model", "window", "version", "state", "last run (UTC)", "rows", "pending windows", "watermark (UTC)",
            "late events (windows)",
        ]
        var rows = [header]
        for s in statuses {
            rows.append([
                s.name, s.window ?? "-", s.version.map { String($0.prefix(12)) } ?? "-",
                s.state.rawValue, s.lastRunAt ?? "never", s.lastRowsWritten.map(String.init) ?? "-",
                "\(s.pendingWindows) (\(s.pendingMinutes) minutes)", s.watermark ?? "-",
                "\(s.lateEvents) (\(s.windowsCorrectedAfterFinal))",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined()
        }
        for s in statuses { if let problem = s.problem { lines.append("\(s.name): \(problem)") } }
        return lines.joined(separator: "\n")
    }
}

/// The models of a directory and a database connection inside a read-only transaction: what `status` and
/// `plan` work in, so that they can change nothing even by mistake.
struct ReadOnlyModels {
    let sqlDirectory: String
    let databaseSettings: String

    func read<T>(_ body: (ModelSet, PostgresConnection) throws -> T) throws -> T {
        let set = try RollupModel.load(from: sqlDirectory)
        let db = try PostgresConnection(settings: databaseSettings, applicationName: "purchase-rollup-status")
        try db.execute(script: "begin transaction read only")
        defer { _ = try? db.execute(script: "rollback") }
        return try body(set, db)
    }
}
