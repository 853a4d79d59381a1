import Logging
import PostgresClient
import ProcessSupport

/// One rollup pass: claim the ingest ledger, bring every model up to date, commit.
///
/// The pass is one transaction under an advisory lock, so two rollups never overlap and readers never see a
/// model half-updated. It reads one snapshot (repeatable read, taken once the lock is held), and claiming is
/// `delete ... returning` on the ledger: it takes exactly the batches that snapshot holds, every model reads
/// exactly those, and rows of load batches that commit later (whatever their batch id) stay for the next
/// pass. No high-water mark is kept, so out-of-order loader commits cannot be skipped.
///
/// The claimed minutes become each model's pending minutes (`rollup_pending`), and each model consumes its
/// own inside a savepoint: a model that fails (a syntax error, a missing column, a runtime error) is rolled
/// back alone, keeps its table exactly as it was and its minutes for the next pass, and the models derived
/// from it wait with it; the others go on. A model whose version (`rollup_models`) is new or changed, and
/// every model derived from it, is recomputed over all the history after the pass, beside its table, and
/// switched to in one transaction (`AsideBuild`). An additive model adds the claimed events to the windows
/// where that is exact instead of recomputing them (`NewEvents`).
struct RollupRunner {
    /// Recompute every model over all the history (`rollup run --full`), as for a changed one.
    var full = false
    /// The allowed lateness of models whose header sets none (`--allowed-lateness`): when windows become final.
    var allowedLatenessSeconds = 300
    let modelSet: ModelSet
    let logger: Logger

    var models: [RollupModel] { modelSet.models }

    static let lockKey = "purchase-stream.rollup"

    init(models: ModelSet, logger: Logger) {
        self.modelSet = models
        self.logger = logger
    }

    /// How many windows of a model a pass brought up to date, by how.
    struct WindowCounts: Sendable, Equatable {
        var recomputed = 0
        var added = 0
    }

    /// What one pass did, for its log line, `rollup run`'s exit status and the tests.
    struct PassResult: Sendable, Equatable {
        var minutesClaimed = 0
        var rowsUpserted = 0
        /// The rows each model wrote (inserted, updated or deleted).
        var rowsByModel: [String: Int] = [:]
        var milliseconds: UInt64 = 0
        /// Time each model's statement took in the pass (recomputes beside the table not included).
        var durationByModel: [String: Duration] = [:]
        /// The windows each model recomputed from their raw rows, and those it added new events to.
        var windowsByModel: [String: WindowCounts] = [:]
        /// The models recomputed over all their history (new, changed, derived from a changed one, --full).
        var recomputed: [String] = []
        /// The models that could not run, with why.
        var failures: [ModelFailure] = []
        /// The minutes each additive model maintained by adding the new events rather than recomputing.
        var addedMinutes: [String: Int] = [:]
        /// Each model's watermark after the pass (models with finality columns that ran).
        var watermarks: [String: String] = [:]
        /// Late events counted in this pass, per model: they arrived after their window had become final.
        var lateEvents: [String: Int] = [:]
    }

    /// The models' versions, asked once for the runner's life: its models are fixed.
    private var versions: [String: String]?

    private mutating func modelVersions(_ db: PostgresConnection) throws -> [String: String] {
        if let versions { return versions }
        let found = try RollupModel.versions(of: models, db)
        versions = found
        return found
    }

    @discardableResult
    mutating func runPass(_ db: PostgresConnection) throws -> PassResult {
        let started = MonotonicClock.nowMilliseconds()
        var result = PassResult()
        let versions = try modelVersions(db)
        var recompute = Set<String>()
        var failed = Set(modelSet.broken.map(\.model))
        var recordedVersions: [String: String] = [:]
        var watermarks: [String: String] = [:]
        // Held for the session while the snapshot is taken: under `pg_advisory_xact_lock` alone, a repeatable
        // read snapshot would date from before the wait, and miss what the previous pass committed.
        try db.query("select pg_advisory_lock(hashtext($1))", [Self.lockKey])
        var locked = true
        defer { if locked { _ = try? db.query("select pg_advisory_unlock(hashtext($1))", [Self.lockKey]) } }
        try db.withTransaction { db in
            try db.execute(script: "set transaction isolation level repeatable read")
            try Self.beginModelWork(db)
            let startedAt = try db.query("select clock_timestamp()").scalar(String.self)
            try db.execute(
                script: """
                    create temporary table rollup_claimed (
                        load_batch_id bigint, minute timestamptz, first_created_at timestamptz, last_created_at timestamptz
                    ) on commit drop;
                    with claimed as (
                        delete from ingest_ledger returning load_batch_id, minute, first_created_at, last_created_at
                    )
                    insert into rollup_claimed select * from claimed;
                    create temporary table rollup_carried on commit drop as select model, minute from rollup_pending
                    """)
            result.minutesClaimed = try db.query("select count(distinct minute) from rollup_claimed").scalar(Int.self)
            // The claimed batches' rows: what additive models add, and where late events are found.
            let addableMinutes = result.minutesClaimed > 0 ? try NewEvents.prepare(db) : 0
            let addable = addableMinutes > 0 && models.contains { !$0.header.additive.isEmpty }
            let names = PostgresArray.text(models.map(\.name))
            // Every model's pending minutes; a model whose file is gone loses its own (a broken one keeps them).
            try db.query(
                """
                insert into rollup_pending (model, minute)
                select m.name, c.minute from (select distinct minute from rollup_claimed) as c
                cross join unnest($1::text[]) as m (name)
                on conflict do nothing
                """, [names])
            try db.query(
                "delete from rollup_pending where not (model = any($1::text[]))",
                [PostgresArray.text(Array(modelSet.names))])
            let recorded = try db.query("select name, version, watermark::text from rollup_models")
            for row in 0..<recorded.rowCount {
                let name = try recorded.value(String.self, row: row, column: 0)
                recordedVersions[name] = try recorded.value(String.self, row: row, column: 1)
                watermarks[name] = try recorded.optionalValue(String.self, row: row, column: 2)
            }
            recompute = RollupModel.toRebuild(models, versions: versions, recorded: recordedVersions, full: full)
            result.failures = modelSet.broken
            for model in models {
                if let source = model.header.source, failed.contains(source) {
                    failed.insert(model.name)
                    result.failures.append(
                        ModelFailure(model: model.name, message: "\(model.file): waits for \(source), which failed"))
                    continue
                }
                // Recomputed over all the history after this pass, beside its table (`AsideBuild`); its
                // pending minutes wait for the pass after the switch.
                if recompute.contains(model.name) { continue }
                try db.execute(script: "savepoint rollup_model")
                do {
                    let modelStarted = ContinuousClock.now
                    let (written, added, windows) = try run(
                        model, version: versions[model.name]!, addable: addable, db)
                    result.durationByModel[model.name] = ContinuousClock.now - modelStarted
                    result.windowsByModel[model.name] = windows
                    if added > 0 { result.addedMinutes[model.name] = added }
                    result.rowsByModel[model.name] = written
                    result.rowsUpserted += written
                    try db.execute(script: "release savepoint rollup_model")
                } catch let error as PostgresError where error.isOutage {
                    throw error  // not the model's fault: the caller waits for Postgres and retries
                } catch {
                    try db.execute(script: "rollback to savepoint rollup_model")
                    failed.insert(model.name)
                    result.failures.append(ModelFailure(model: model.name, message: Self.reason(error, in: model)))
                }
            }
            try applyFinality(
                to: models.filter { !failed.contains($0.name) && !recompute.contains($0.name) },
                previous: watermarks, newRows: result.minutesClaimed > 0, &result, db)
            try db.query(
                """
                insert into rollup_runs (started_at, minutes_claimed, rows_upserted, window_size, sql_checksums, load_batches)
                values ($1, $2, $3, $4::interval, $5,
                        (select coalesce(array_agg(distinct load_batch_id), '{}') from rollup_claimed))
                """,
                [
                    startedAt, String(result.minutesClaimed), String(result.rowsUpserted),
                    "\(models.map(\.header.windowMinutes).min() ?? 1) minutes",
                    models.map { "\($0.name):\(versions[$0.name]!)" }.joined(separator: " "),
                ])
        }
        try db.query("select pg_advisory_unlock(hashtext($1))", [Self.lockKey])
        locked = false
        if !recompute.isEmpty {
            let aside = try AsideBuild(
                models: models.filter { recompute.contains($0.name) && !failed.contains($0.name) },
                versions: versions, recorded: recordedVersions, logger: logger
            ).run(db)
            result.recomputed = aside.switched
            result.failures += aside.failures
            // A rebuilt model's windows become final as the others'; its late events are counted from the
            // next pass on.
            if !aside.switched.isEmpty {
                try db.withTransaction { db in
                    try Self.lock(db)
                    try applyFinality(
                        to: models.filter { aside.switched.contains($0.name) }, previous: watermarks, newRows: false,
                        wholeTable: true, &result, db)
                }
            }
            for (model, rows) in aside.rows {
                result.rowsByModel[model, default: 0] += rows
                result.rowsUpserted += rows
            }
        }
        for failure in result.failures {
            logger.error(
                "rollup model failed", metadata: [LogKey.model: "\(failure.model)", LogKey.error: "\(failure)"])
        }
        result.milliseconds = MonotonicClock.nowMilliseconds() - started
        logger.info(
            "rollup pass done",
            metadata: [
                "minutes": "\(result.minutesClaimed)", "rows_upserted": "\(result.rowsUpserted)",
                "recomputed": "\(result.recomputed)", "failed": "\(result.failures.map(\.model))",
                "added_minutes": "\(result.addedMinutes.values.reduce(0, +))",
                "late_events": "\(result.lateEvents.values.reduce(0, +))",
                LogKey.durationMilliseconds: "\(result.milliseconds)",
            ])
        return result
    }

    /// Brings one model up to date inside the pass's savepoint: its pending minutes, its statement, its row in
    /// `rollup_models`. With `addable` (the pass prepared `NewEvents`), an additive model adds the new events
    /// to the windows where that is exact and recomputes the others. Returns the rows it wrote and the
    /// minutes it maintained by adding, and the windows it recomputed and added to.
    private func run(
        _ model: RollupModel, version: String, addable: Bool, _ db: PostgresConnection
    ) throws -> (written: Int, added: Int, windows: WindowCounts) {
        try db.execute(script: "delete from rollup_touched")
        let touched = try db.query(
            """
            with taken as (delete from rollup_pending where model = $1 returning minute)
            insert into rollup_touched select minute from taken
            """, [model.name]
        ).affectedRows
        var written = 0
        var added = 0
        var windows = WindowCounts()
        if touched > 0 {
            if addable && !model.header.additive.isEmpty { added = try NewEvents.takeAddable(model, db) }
            if touched > added {
                windows.recomputed = try Self.windowCount(in: "rollup_touched", model, db)
                // The models join on this table; without statistics the planner guesses thousands of rows.
                try db.execute(script: "analyze rollup_touched")
                written = try db.query(model.sql, model.takesWindowSize ? [model.header.windowInterval] : [])
                    .affectedRows
            }
            if added > 0 {
                windows.added = try Self.windowCount(in: "rollup_added", model, db)
                guard let real = try model.realTable(db) else {
                    throw PipelineError(
                        .model, "its table \(model.header.table) does not exist (a migration creates it)")
                }
                written += try NewEvents.add(model, real: real, db)
            }
        }
        try Self.record(model, version: version, rows: written, db)
        return (written, added, windows)
    }

    /// The model's windows among the minutes of one of the pass's minute tables (`rollup_touched`,
    /// `rollup_added`), for the metrics.
    private static func windowCount(in table: StaticString, _ model: RollupModel, _ db: PostgresConnection) throws
        -> Int
    {
        try db.query(
            "select count(distinct purchase_window_start(minute, $1::interval)) from \(table)",
            [model.header.windowInterval]
        ).scalar(Int.self)
    }

    /// The finality step of `models` (each in a savepoint: a failure is the model's, as in the pass), after
    /// they ran in the caller's transaction.
    private func applyFinality(
        to models: [RollupModel], previous: [String: String], newRows: Bool, wholeTable: Bool = false,
        _ result: inout PassResult, _ db: PostgresConnection
    ) throws {
        let finality = Finality(defaultLatenessSeconds: allowedLatenessSeconds)
        let clock = try Finality.Clock.read(db)
        let applicable = try Finality.withColumns(models, db)
        for model in models where applicable.contains(model.name) {
            try db.execute(script: "savepoint rollup_finality")
            do {
                let outcome = try finality.apply(
                    model, previous: previous[model.name], clock: clock, newRows: newRows, wholeTable: wholeTable, db)
                try db.execute(script: "release savepoint rollup_finality")
                result.watermarks[model.name] = outcome.watermark
                if outcome.lateEvents > 0 { result.lateEvents[model.name] = outcome.lateEvents }
            } catch let error as PostgresError where error.isOutage {
                throw error
            } catch {
                try db.execute(script: "rollback to savepoint rollup_finality")
                result.failures.append(ModelFailure(model: model.name, message: Self.reason(error, in: model)))
            }
        }
    }

    /// Takes the rollup's advisory lock for the caller's transaction, so that passes, rebuilds, backfills
    /// and verifications never interleave.
    static func lock(_ db: PostgresConnection) throws {
        try db.query("select pg_advisory_xact_lock(hashtext($1))", [lockKey])
    }

    /// What every transaction that runs models starts with: the lock, no JIT, and the `rollup_touched` table
    /// the models read (dropped at commit).
    static func beginModelWork(_ db: PostgresConnection) throws {
        try lock(db)
        // These statements are short; Postgres' JIT, triggered by cost estimates over many partitions, spent
        // 4 s compiling a 100 ms pass when measured.
        try db.execute(
            script: """
                set local jit = off;
                create temporary table rollup_touched (minute timestamptz primary key) on commit drop
                """)
    }

    /// Records the version that produced the model's rows, and its run.
    static func record(_ model: RollupModel, version: String, rows: Int, _ db: PostgresConnection) throws {
        try db.query(
            """
            insert into rollup_models as m (name, version, table_name, window_minutes, source, definition, last_run_at, last_rows_written)
            values ($1, $2, $3, $4, $5, $6, now(), $7)
            on conflict (name) do update set
                version = excluded.version, table_name = excluded.table_name,
                window_minutes = excluded.window_minutes, source = excluded.source, definition = excluded.definition,
                version_since = case when m.version = excluded.version then m.version_since else now() end,
                last_run_at = excluded.last_run_at, last_rows_written = excluded.last_rows_written
            """,
            [
                model.name, version, model.header.table, String(model.header.windowMinutes), model.header.source,
                model.sql, String(rows),
            ])
    }

    /// One line naming the file, the position Postgres reports (as line:column of the file) and its message.
    static func reason(_ error: any Error, in model: RollupModel) -> String {
        guard let error = error as? PostgresError else { return "\(model.file): \(error)" }
        let message = error.primaryMessage ?? error.message
        guard let position = error.statementPosition else { return "\(model.file): \(message)" }
        return "\(model.location(ofCharacter: position)): \(message)"
    }
}
