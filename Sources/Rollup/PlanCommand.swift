import ArgumentParser
import Foundation
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup plan`: what the next `rollup run` would do, model by model, before it does it.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Print what the next rollup run would do (models, new or changed versions, windows and rows to recompute); changes nothing.",
        discussion: """
            Reads sql/ and the database in a read-only transaction. A new or changed model, and every model \
            derived from it, is recomputed over the whole history: the plan counts the windows that hold raw \
            rows and estimates the raw rows from Postgres' statistics. A current model recomputes only the \
            windows of its pending minutes.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var paths: PathOptions
    @OptionGroup var log: LogOptions

    func run() async throws {
        _ = log.bootstrap(label: "rollup")
        do {
            let lines = try ReadOnlyModels(sqlDirectory: paths.sql, databaseSettings: database.settings).read {
                set, db in try Self.plan(set, db)
            }
            print(lines.joined(separator: "\n"))
        } catch {
            ExitMessage.fail("rollup plan", error)
        }
    }

    /// One line per model, in the order a pass runs them.
    static func plan(_ set: ModelSet, _ db: PostgresConnection) throws -> [String] {
        let statuses = try ModelStatus.read(set, db)
        // Postgres' statistics, or a count where there are none yet (a table loaded but not yet analyzed).
        var rawRows = try db.query(
            """
            select coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
            from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
            where i.inhparent = 'staging_purchases'::regclass
            """
        ).scalar(Int.self)
        if rawRows == 0 { rawRows = try db.query("select count(*) from staging_purchases").scalar(Int.self) }
        var lines = ["rollup plan: what the next `rollup run` would do (nothing has been changed)"]
        let models = Dictionary(uniqueKeysWithValues: set.models.map { ($0.name, $0) })
        for status in statuses {
            let name = status.name.padding(toLength: 32, withPad: " ", startingAt: 0)
            let model = models[status.name]
            switch status.state {
            case .current:
                let how = model?.additiveMeasures == nil ? "recompute" : "bring up to date"
                lines.append(
                    status.pendingWindows == 0
                        ? "\(name) current: nothing to do"
                        : "\(name) current: \(how) \(status.pendingWindows) window\(status.pendingWindows == 1 ? "" : "s") (\(status.pendingMinutes) minutes with new rows)"
                )
            case .new, .changed, .sourceChanged:
                let history = try RangeRecompute.windowsWithRows(
                    model!.window, from: "-infinity", to: "infinity", db
                ).count
                let why =
                    switch status.state {
                    case .new: "new (version \(status.version?.prefix(12) ?? ""))"
                    case .changed:
                        "changed (version \(status.version?.prefix(12) ?? ""), rows from \(status.recordedVersion?.prefix(12) ?? ""))"
                    default: "derived from \(status.source ?? "a changed model"), which is recomputed"
                    }
                lines.append(
                    "\(name) \(why): recompute all history, \(history) window\(history == 1 ? "" : "s"), about \(rawRows) raw rows read"
                )
            case .broken:
                lines.append(
                    "\(name) broken, skipped (its table stays as it is, \(status.pendingMinutes) pending minutes kept): \(status.problem ?? "")"
                )
            case .retired:
                lines.append("\(name) retired: \(status.problem ?? "")")
            }
            if let model, let path = status.path {
                lines.append("    windows of \(model.window), \(path)")
                if model.additiveMeasures == nil, model.header.source == nil, model.window.isHourOrLonger {
                    lines.append(
                        "    warning: each pass recomputes a whole \(model.window) window from its raw events whenever one of them arrives; derive it from a finer model (`-- from:`) to read that model's rows instead"
                    )
                }
            }
        }
        return lines
    }
}
