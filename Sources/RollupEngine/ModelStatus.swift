import PostgresClient
import ProcessSupport

/// Where one model stands against the database: its version here and the one that produced its rows, its
/// last run, and what it still has to do. What `rollup status` shows and `rollup plan` builds on.
package struct ModelStatus: Codable, Sendable, Equatable {
    /// What the next pass does with the model.
    package enum State: String, Codable, Sendable {
        /// Its rows come from this version: the next pass updates the touched windows only.
        case current
        /// Never run here: the next pass fills it from all the history.
        case new
        /// Its meaning changed: the next pass recomputes all its history under the new version.
        case changed
        /// Derived from a new or changed model: recomputed with it.
        case sourceChanged = "source changed"
        /// It cannot run (a bad header, a bad `from`); see `problem`.
        case broken
        /// Its file is gone: its table is kept and no longer maintained (`rollup drop` removes it).
        case retired
    }

    package var name: String
    package var file: String
    package var table: String?
    /// The window as the header says it (`1 hour`, `1 day (Asia/Kolkata)`).
    package var window: String?
    /// The window's length in minutes for fixed-length windows.
    package var windowMinutes: Int?
    package var source: String?
    package var state: State
    /// How a pass brings its touched windows up to date: `added` (new events added to the stored rows, where
    /// exact) or `recomputed`, and why not added.
    package var path: String?
    /// The version of the file as it is (the MD5 of its header and its meaning).
    package var version: String?
    /// The version that produced the rows in its table.
    package var recordedVersion: String?
    package var lastRunAt: String?
    package var lastRowsWritten: Int?
    /// Minutes waiting for this model: its own pending ones and the ledger's not yet claimed.
    package var pendingMinutes: Int
    /// The windows those minutes fall in: what the next pass recomputes when the model is current.
    package var pendingWindows: Int
    /// Windows ending at or before it are final (`Finality`); nil before the model's first pass, or when its
    /// table has no finality columns.
    package var watermark: String?
    /// The start of the newest final window: what "the latest complete window" means.
    package var latestFinalWindow: String?
    /// Events that arrived after their window had become final, and the windows they corrected.
    package var lateEvents: Int = 0
    package var windowsCorrectedAfterFinal: Int = 0
    package var problem: String?

    /// Every model of `set` (broken ones included) and every retired one, read in the caller's transaction;
    /// changes nothing.
    package static func read(_ set: ModelSet, _ db: PostgresConnection) throws -> [ModelStatus] {
        let versions = try RollupModel.versions(of: set.models, db)
        let schema = try ModelTable.schema(db)
        let records = try ModelRecord.readAll(db)
        let rebuilt = RollupModel.toRebuild(set.models, versions: versions, recorded: records)
        var statuses: [ModelStatus] = []
        for model in set.models {
            let record = records[model.name]
            let state: State =
                record == nil
                ? .new
                : record!.version != versions[model.name] || record!.retired
                    ? .changed : rebuilt.contains(model.name) ? .sourceChanged : .current
            // The file's window, not the recorded one: a changed model is planned at its new size.
            let pending = try db.query(
                "select minutes, windows from rollup_pending_counts($1, $2::interval, $3)",
                [model.name, model.window.interval, model.window.zone])
            let path =
                switch model.additive {
                case .success: "added (new events added to the stored rows where exact)"
                case .failure(let refusal): "recomputed (\(refusal))"
                }
            var status = ModelStatus(
                name: model.name, file: model.file, table: model.name, window: model.window.description,
                windowMinutes: model.window.fixedMinutes, source: model.header.source, state: state, path: path,
                version: versions[model.name], recordedVersion: record?.version, lastRunAt: record?.lastRunAt,
                lastRowsWritten: record?.lastRowsWritten,
                pendingMinutes: try pending.value(Int.self, row: 0, column: 0),
                pendingWindows: try pending.value(Int.self, row: 0, column: 1), problem: nil)
            let table = ModelTable(schema: schema, name: model.name)
            if record != nil, try table.exists(db) {
                status.watermark = record?.watermark
                status.latestFinalWindow = try db.query(
                    "select \(Self.utc("max(window_start)")) from \(table.qualified) where is_final"
                ).optionalValue(String.self, row: 0, column: 0)
                let late = try db.query(
                    "select coalesce(sum(late_events), 0), count(*) from rollup_late_events where model = $1",
                    [model.name])
                status.lateEvents = try late.value(Int.self, row: 0, column: 0)
                status.windowsCorrectedAfterFinal = try late.value(Int.self, row: 0, column: 1)
            }
            statuses.append(status)
        }
        for failure in set.broken {
            let record = records[failure.model]
            statuses.append(
                ModelStatus(
                    name: failure.model, file: failure.model + ".sql", table: nil, window: nil, windowMinutes: nil,
                    source: nil, state: .broken, path: nil, version: nil, recordedVersion: record?.version,
                    lastRunAt: record?.lastRunAt, lastRowsWritten: record?.lastRowsWritten,
                    pendingMinutes: try db.query(
                        "select count(*) from rollup_pending where model = $1", [failure.model]
                    ).scalar(Int.self), pendingWindows: 0, problem: failure.message))
        }
        for (name, record) in records.sorted(by: { $0.key < $1.key }) where !set.names.contains(name) {
            statuses.append(
                ModelStatus(
                    name: name, file: name + ".sql", table: name, window: nil, windowMinutes: nil, source: nil,
                    state: .retired, path: nil, version: nil, recordedVersion: record.version,
                    lastRunAt: record.lastRunAt, lastRowsWritten: record.lastRowsWritten, pendingMinutes: 0,
                    pendingWindows: 0, watermark: record.watermark,
                    problem:
                        "its file is gone: the table \(name) is kept and no longer maintained (`rollup drop \(name)` removes it)"
                ))
        }
        return statuses
    }

    /// A timestamptz expression as UTC ISO 8601 text to the second: how the statuses show times, and how the
    /// engine lists window starts (which are whole minutes) to pass them back as arrays.
    package static func utc(_ expression: String) -> String {
        "to_char(\(expression) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }
}
