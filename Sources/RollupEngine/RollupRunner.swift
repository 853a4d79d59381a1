import Logging
import PostgresClient
import ProcessSupport

/// One rollup pass: claim the ingest ledger, bring every model up to date, mark finality, record, rebuild.
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
/// every model derived from it, is rebuilt over all the history after the pass, beside its table, and
/// switched to in one transaction (`AsideBuild`). An additive model adds the claimed events to the windows
/// where that is exact instead of recomputing them (`NewEvents`, `AdditiveForm`).
package struct RollupRunner {
    /// Rebuild every model over all the history (`rollup run --full`), as for a changed one.
    package var full = false
    /// The allowed lateness of models whose header sets none (`--allowed-lateness`): when windows become final.
    package var allowedLatenessSeconds = 300
    package let modelSet: ModelSet
    let logger: Logger

    var models: [RollupModel] { modelSet.models }

    package init(models: ModelSet, logger: Logger) {
        self.modelSet = models
        self.logger = logger
    }

    /// How many windows of a model a pass brought up to date, by how.
    package struct WindowCounts: Sendable, Equatable {
        package var recomputed = 0
        package var added = 0

        package init(recomputed: Int = 0, added: Int = 0) {
            self.recomputed = recomputed
            self.added = added
        }
    }

    /// What one pass did, for its log line, `rollup run`'s exit status and the tests.
    package struct PassResult: Sendable, Equatable {
        package var minutesClaimed = 0
        package var rowsUpserted = 0
        /// The rows each model wrote (inserted, updated or deleted).
        package var rowsByModel: [String: Int] = [:]
        package var milliseconds: UInt64 = 0
        /// Time each model's statements took in the pass (rebuilds not included).
        package var durationByModel: [String: Duration] = [:]
        /// The windows each model recomputed from their input, and those it added new events to.
        package var windowsByModel: [String: WindowCounts] = [:]
        /// The models rebuilt over all their history (new, changed, derived from a changed one, --full).
        package var recomputed: [String] = []
        /// The models whose table from the previous release was taken over as it is.
        package var adopted: [String] = []
        /// The models whose file is gone: their tables are kept, no longer maintained.
        package var retired: [String] = []
        /// The models that could not run, with why.
        package var failures: [ModelFailure] = []
        /// The minutes each additive model maintained by adding the new events rather than recomputing.
        package var addedMinutes: [String: Int] = [:]
        /// Each model's watermark after the pass (models that ran).
        package var watermarks: [String: String] = [:]
        /// Late events counted in this pass, per model: they arrived after their window had become final.
        package var lateEvents: [String: Int] = [:]
    }

    /// Asked once for the runner's life: its models are fixed.
    private var versions: [String: String]?
    /// The columns each model's `select` returns, asked once for the runner's life.
    private var resultColumns: [String: [ModelTable.Column]] = [:]

    private mutating func modelVersions(_ db: PostgresConnection) throws -> [String: String] {
        if let versions { return versions }
        let found = try RollupModel.versions(of: models, db)
        versions = found
        return found
    }

    @discardableResult
    package mutating func runPass(_ db: PostgresConnection) throws -> PassResult {
        let started = MonotonicClock.nowMilliseconds()
        var result = PassResult()
        let versions = try modelVersions(db)
        let workspace = try PassWorkspace(db)
        var rebuild = Set<String>()
        var failed = Set(modelSet.broken.map(\.model))
        var records: [String: ModelRecord] = [:]
        // Held for the session while the snapshot is taken: under `pg_advisory_xact_lock` alone, a repeatable
        // read snapshot would date from before the wait, and miss what the previous pass committed.
        try RollupLock.hold(db)
        var locked = true
        defer { if locked { RollupLock.releaseQuietly(db) } }
        try db.withTransaction { db in
            try db.execute(script: "set transaction isolation level repeatable read")
            try RollupLock.beginModelWork(db)
            let startedAt = try db.query("select clock_timestamp()").scalar(String.self)
            try workspace.clear()
            result.minutesClaimed = try claim(db)
            // The claimed batches' rows: what additive models add, and where late events are found.
            let addable = result.minutesClaimed > 0 ? try NewEvents.prepare(db) > 0 : false
            result.retired = try queuePendingMinutes(db)
            records = try ModelRecord.readAll(db)
            result.adopted = try adoptPreviousRelease(versions: versions, records: &records, workspace, db)
            rebuild = RollupModel.toRebuild(models, versions: versions, recorded: records, full: full)
            for model in models where !rebuild.contains(model.name) {
                if try !ModelTable(schema: workspace.schema, name: model.name).exists(db) {
                    rebuild.insert(model.name)  // its table was dropped by hand: built again
                    rebuild.formUnion(RollupModel.dependents(of: model.name, in: models))
                }
            }
            result.failures = modelSet.broken
            for model in models {
                if let source = model.header.source, failed.contains(source) {
                    failed.insert(model.name)
                    result.failures.append(
                        ModelFailure(model: model.name, message: "\(model.file): waits for \(source), which failed"))
                    continue
                }
                // Rebuilt after this pass, beside its table (`AsideBuild`); its pending minutes wait for the
                // pass after the switch.
                if rebuild.contains(model.name) { continue }
                try db.execute(script: "savepoint rollup_model")
                do {
                    let modelStarted = ContinuousClock.now
                    let outcome = try run(model, version: versions[model.name]!, addable: addable, workspace, db)
                    result.durationByModel[model.name] = ContinuousClock.now - modelStarted
                    result.windowsByModel[model.name] = outcome.windows
                    if outcome.addedMinutes > 0 { result.addedMinutes[model.name] = outcome.addedMinutes }
                    result.rowsByModel[model.name] = outcome.written
                    result.rowsUpserted += outcome.written
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
                to: models.filter { !failed.contains($0.name) && !rebuild.contains($0.name) }, records: records,
                newRows: result.minutesClaimed > 0, workspace: workspace, &result, db)
            try recordRun(startedAt: startedAt, versions: versions, &result, db)
        }
        try RollupLock.release(db)
        locked = false
        if result.minutesClaimed > 0 { try workspace.vacuum() }
        if !rebuild.isEmpty {
            try rebuildAside(
                models.filter { rebuild.contains($0.name) && !failed.contains($0.name) }, versions: versions,
                records: records, workspace: workspace, &result, db)
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

    /// Claims the ledger rows this snapshot holds into the workspace, and notes the minutes models carried in.
    /// Returns the minutes claimed.
    private func claim(_ db: PostgresConnection) throws -> Int {
        try db.execute(
            script: """
                with claimed as (
                    delete from ingest_ledger returning load_batch_id, minute, first_created_at, last_created_at
                )
                insert into pg_temp.rollup_claimed select * from claimed;
                insert into pg_temp.rollup_carried select model, minute from rollup_pending;
                """)
        return try db.query("select count(distinct minute) from pg_temp.rollup_claimed").scalar(Int.self)
    }

    /// Every model of the directory (broken ones too: they catch up when fixed) gets the claimed minutes; a
    /// model whose file is gone loses its own and is retired. Returns the models retired now.
    private func queuePendingMinutes(_ db: PostgresConnection) throws -> [String] {
        let names = PostgresArray.text(Array(modelSet.names))
        try db.query(
            """
            insert into rollup_pending (model, minute)
            select m.name, c.minute from (select distinct minute from pg_temp.rollup_claimed) as c
            cross join unnest($1::text[]) as m (name)
            on conflict do nothing
            """, [names])
        try db.query("delete from rollup_pending where not (model = any($1::text[]))", [names])
        let retired = try db.query(
            """
            update rollup_models set retired_at = now()
            where retired_at is null and not (name = any($1::text[]))
            returning name
            """, [names])
        let retiredNames = try (0..<retired.rowCount).map { try retired.value(String.self, row: $0, column: 0) }
        for name in retiredNames {
            logger.notice(
                "rollup model retired: its file is gone; its table is kept", metadata: [LogKey.model: "\(name)"])
        }
        return retiredNames.sorted()
    }

    /// Takes over, without a rebuild, the table of a shipped model whose rows come from the previous release's
    /// file for it (`PreviousRelease`), when its columns are the new `select`'s by name and its values fit
    /// (`ModelTable.write`). An analyst's edited model never matches, and is rebuilt.
    private mutating func adoptPreviousRelease(
        versions: [String: String], records: inout [String: ModelRecord], _ workspace: PassWorkspace,
        _ db: PostgresConnection
    ) throws -> [String] {
        var adopted: [String] = []
        for model in models {
            guard let record = records[model.name], !record.retired, record.version != versions[model.name],
                PreviousRelease.versions[model.name] == record.version
            else { continue }
            let table = ModelTable(schema: workspace.schema, name: model.name)
            guard try table.exists(db), try table.key(db) == model.header.key else { continue }
            let have = try table.columns(db)
            // A select that does not run is rebuilt, and fails there with its reason.
            try db.execute(script: "savepoint rollup_adopt")
            guard let want = try? columns(of: model, workspace, db) else {
                try db.execute(script: "rollback to savepoint rollup_adopt")
                continue
            }
            try db.execute(script: "release savepoint rollup_adopt")
            guard Set(have.map(\.name)) == Set(want.map(\.name)),
                want.allSatisfy({ column in
                    let target = have.first { $0.name == column.name }!
                    return ModelTable.write(
                        "v", from: column.type, to: target.type, modelParameter: "$1", column: column.name) != nil
                })
            else { continue }
            try ModelRecord.record(model, version: versions[model.name]!, rows: 0, db)
            records[model.name]?.version = versions[model.name]!
            adopted.append(model.name)
            logger.notice(
                "rollup model adopted: the previous release's table is kept as it is",
                metadata: [LogKey.model: "\(model.name)"])
        }
        return adopted
    }

    /// The columns the model's `select` returns, asked once.
    private mutating func columns(of model: RollupModel, _ workspace: PassWorkspace, _ db: PostgresConnection) throws
        -> [ModelTable.Column]
    {
        if let known = resultColumns[model.name] { return known }
        let found = try ModelInput.resultColumns(of: model, schema: workspace.schema, db)
        resultColumns[model.name] = found
        return found
    }

    private struct ModelOutcome {
        var written = 0
        var addedMinutes = 0
        var windows = WindowCounts()
    }

    /// Brings one model up to date inside the pass's savepoint: takes its pending minutes, recomputes the
    /// windows they fall in, or, for an additive model where that is exact, adds the new events to them, and
    /// records the model's run.
    private mutating func run(
        _ model: RollupModel, version: String, addable: Bool, _ workspace: PassWorkspace, _ db: PostgresConnection
    ) throws -> ModelOutcome {
        let windows = try db.query(
            """
            with taken as (delete from rollup_pending where model = $1 returning minute),
            windows as (
                select purchase_window_start(t.minute, $2::interval, $3) as window_start,
                       $4::boolean and bool_and(a.minute is not null and c.minute is null) as added
                from taken as t
                left join pg_temp.rollup_addable as a on a.minute = t.minute
                left join pg_temp.rollup_carried as c on c.model = $1 and c.minute = t.minute
                group by 1
            )
            select coalesce((select array_agg(window_start order by window_start) from windows where not added), '{}')::text,
                   coalesce((select array_agg(window_start order by window_start) from windows where added), '{}')::text,
                   (select count(*) from windows where not added), (select count(*) from windows where added),
                   (select count(*) from taken as t
                    where purchase_window_start(t.minute, $2::interval, $3) in (select window_start from windows where added))
            """,
            [model.name, model.window.interval, model.window.zone, String(addable && model.additiveMeasures != nil)])
        var outcome = ModelOutcome()
        outcome.windows.recomputed = try windows.value(Int.self, row: 0, column: 2)
        outcome.windows.added = try windows.value(Int.self, row: 0, column: 3)
        outcome.addedMinutes = try windows.value(Int.self, row: 0, column: 4)
        if outcome.windows.recomputed + outcome.windows.added > 0 {
            let merge = try self.merge(for: model, workspace, db)
            if outcome.windows.recomputed > 0 {
                outcome.written += try merge.recompute(windows: try windows.value(row: 0, column: 0), db)
            }
            if outcome.windows.added > 0, let measures = model.additiveMeasures {
                outcome.written += try merge.add(windows: try windows.value(row: 0, column: 1), measures: measures, db)
            }
        }
        try ModelRecord.record(model, version: version, rows: outcome.written, db)
        return outcome
    }

    /// The merge into the model's own table.
    private mutating func merge(for model: RollupModel, _ workspace: PassWorkspace, _ db: PostgresConnection) throws
        -> WindowMerge
    {
        try WindowMerge.into(model, schema: workspace.schema, returned: try columns(of: model, workspace, db), db)
    }

    /// The finality step of `models` (each in a savepoint: a failure is the model's, as in the pass), after
    /// they ran in the caller's transaction.
    private func applyFinality(
        to models: [RollupModel], records: [String: ModelRecord], newRows: Bool, wholeTable: Bool = false,
        workspace: PassWorkspace, _ result: inout PassResult, _ db: PostgresConnection
    ) throws {
        let finality = Finality(defaultLatenessSeconds: allowedLatenessSeconds)
        let clock = try Finality.Clock.read(db)
        for model in models {
            try db.execute(script: "savepoint rollup_finality")
            do {
                let outcome = try finality.apply(
                    model, table: ModelTable(schema: workspace.schema, name: model.name).qualified,
                    previous: records[model.name]?.watermark, clock: clock, newRows: newRows, wholeTable: wholeTable,
                    db)
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

    /// The pass's lineage row in `rollup_runs`.
    private func recordRun(
        startedAt: String, versions: [String: String], _ result: inout PassResult, _ db: PostgresConnection
    ) throws {
        try db.query(
            """
            insert into rollup_runs (started_at, minutes_claimed, rows_upserted, window_size, sql_checksums, load_batches)
            values ($1, $2, $3, $4::interval, $5,
                    (select coalesce(array_agg(distinct load_batch_id), '{}') from pg_temp.rollup_claimed))
            """,
            [
                startedAt, String(result.minutesClaimed), String(result.rowsUpserted),
                "\(models.compactMap(\.window.fixedMinutes).min() ?? 1_440) minutes",
                models.map { "\($0.name):\(versions[$0.name]!)" }.joined(separator: " "),
            ])
    }

    /// Rebuilds the models aside and switches to them; a switched model's windows then become final as the
    /// others' (its late events are counted from the next pass on).
    private func rebuildAside(
        _ rebuilt: [RollupModel], versions: [String: String], records: [String: ModelRecord],
        workspace: PassWorkspace, _ result: inout PassResult, _ db: PostgresConnection
    ) throws {
        let aside = try AsideBuild(
            models: rebuilt, schema: workspace.schema, versions: versions, recorded: records.mapValues(\.version),
            logger: logger
        ).run(db)
        result.recomputed = aside.switched
        result.failures += aside.failures
        if !aside.switched.isEmpty {
            try db.withTransaction { db in
                try RollupLock.take(db)
                try applyFinality(
                    to: models.filter { aside.switched.contains($0.name) }, records: records, newRows: false,
                    wholeTable: true, workspace: workspace, &result, db)
            }
        }
        for (model, rows) in aside.rows {
            result.rowsByModel[model, default: 0] += rows
            result.rowsUpserted += rows
        }
    }

    /// One line naming the file and what went wrong.
    static func reason(_ error: any Error, in model: RollupModel) -> String {
        if let error = error as? PipelineError { return error.message }
        return model.reason(error)
    }
}
