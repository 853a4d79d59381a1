import PostgresClient
import ProcessSupport

/// Where one model stands against the database: its version here and the one that produced its rows, its
/// last run, and what it still has to do. What `rollup status` shows and `rollup plan` builds on.
struct ModelStatus: Codable, Sendable, Equatable {
    /// What the next pass does with the model.
    enum State: String, Codable, Sendable {
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
    }

    var name: String
    var file: String
    var table: String?
    var windowMinutes: Int?
    var source: String?
    var state: State
    /// The version of the file as it is (the MD5 of its header and its meaning).
    var version: String?
    /// The version that produced the rows in its table.
    var recordedVersion: String?
    var lastRunAt: String?
    var lastRowsWritten: Int?
    /// Minutes waiting for this model: its own pending ones and the ledger's not yet claimed.
    var pendingMinutes: Int
    /// The windows those minutes fall in: what the next pass recomputes when the model is current.
    var pendingWindows: Int
    /// Windows ending at or before it are final (`Finality`); nil before the model's first pass, or when its
    /// table has no finality columns.
    var watermark: String?
    /// The start of the newest final window: what "the latest complete window" means.
    var latestFinalWindow: String?
    /// Events that arrived after their window had become final, and the windows they corrected.
    var lateEvents: Int = 0
    var windowsCorrectedAfterFinal: Int = 0
    var problem: String?

    /// Every model of `set` (broken ones included), read in the caller's transaction; changes nothing.
    static func read(_ set: ModelSet, _ db: PostgresConnection) throws -> [ModelStatus] {
        let versions = try RollupModel.versions(of: set.models, db)
        let recorded = try db.query(
            """
            select name, version, \(Self.utc("last_run_at")), last_rows_written, \(Self.utc("watermark"))
            from rollup_models
            """)
        var byName: [String: (version: String, lastRun: String?, rows: Int, watermark: String?)] = [:]
        for row in 0..<recorded.rowCount {
            byName[try recorded.value(String.self, row: row, column: 0)] = (
                try recorded.value(String.self, row: row, column: 1),
                try recorded.optionalValue(String.self, row: row, column: 2),
                try recorded.value(Int.self, row: row, column: 3),
                try recorded.optionalValue(String.self, row: row, column: 4)
            )
        }
        let recomputed = RollupModel.toRebuild(
            set.models, versions: versions, recorded: byName.mapValues(\.version))
        var statuses: [ModelStatus] = []
        let final = try Finality.withColumns(set.models, db)
        for model in set.models {
            let record = byName[model.name]
            let state: State =
                record == nil
                ? .new
                : record!.version != versions[model.name]
                    ? .changed : recomputed.contains(model.name) ? .sourceChanged : .current
            // The file's window, not the recorded one: a changed model is planned at its new size.
            let pending = try db.query(
                "select minutes, windows from rollup_pending_counts($1, $2::interval)",
                [model.name, model.header.windowInterval])
            var status = ModelStatus(
                name: model.name, file: model.file, table: model.header.table,
                windowMinutes: model.header.windowMinutes, source: model.header.source, state: state,
                version: versions[model.name], recordedVersion: record?.version, lastRunAt: record?.lastRun,
                lastRowsWritten: record?.rows, pendingMinutes: try pending.value(Int.self, row: 0, column: 0),
                pendingWindows: try pending.value(Int.self, row: 0, column: 1), problem: nil)
            if final.contains(model.name) {
                status.watermark = record?.watermark
                status.latestFinalWindow = try db.query(
                    "select \(Self.utc("max(window_start)")) from \(RangeRecompute.quoted(model.header.table)) where is_final"
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
            let record = byName[failure.model]
            statuses.append(
                ModelStatus(
                    name: failure.model, file: failure.model + ".sql", table: nil, windowMinutes: nil, source: nil,
                    state: .broken, version: nil, recordedVersion: record?.version, lastRunAt: record?.lastRun,
                    lastRowsWritten: record?.rows,
                    pendingMinutes: try db.query(
                        "select count(*) from rollup_pending where model = $1", [failure.model]
                    ).scalar(Int.self), pendingWindows: 0, problem: failure.message))
        }
        return statuses
    }

    /// A timestamptz expression as UTC ISO 8601 text, as the statuses show times.
    static func utc(_ expression: String) -> String {
        "to_char(\(expression) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }
}
