import Logging
import PostgresClient
import ProcessSupport

/// A new or changed model rebuilt over all its history beside its table, then switched to in one transaction:
/// readers (Grafana) see the old rows until the switch commits and the new ones after it, never a mix. The
/// table itself stays, with its grants and the views that depend on it: the switch changes its columns in
/// place (added, altered, dropped, its key) and moves rows, never tables. A new model's table is created in
/// the switch.
///
/// The new version is built in a session temporary table, from the model's windows with input (the raw
/// minutes with rows, or the source's windows), a UTC day of windows per transaction (a window a day or longer
/// on its own), each under the rollup's lock with a progress line, so a long rebuild holds nothing for long and
/// the loader keeps loading. What the loader adds meanwhile is in the ledger and is rolled up by the next
/// pass, under the new version. A derived model rebuilt with its source reads the source's new rows. A
/// crash loses only the temporary tables; the next run starts over.
struct AsideBuild {
    /// The models to rebuild, in pass order (a derived model after its source).
    let models: [RollupModel]
    let schema: String
    let versions: [String: String]
    /// The versions `rollup_models` held when the pass decided to rebuild: if another rollup records the new
    /// version meanwhile, it switched first and this build is dropped.
    let recorded: [String: String]
    let logger: Logger

    struct Outcome {
        var switched: [String] = []
        var failures: [ModelFailure] = []
        /// Rows the switch changed in each real table (inserted, updated or deleted).
        var rows: [String: Int] = [:]
    }

    /// The aside table of the model at `index`: numbered, so that any model name fits Postgres' 63 bytes.
    static func asideName(_ index: Int) -> String { "pg_temp.rollup_aside_\(index)" }

    func run(_ db: PostgresConnection) throws -> Outcome {
        var outcome = Outcome()
        var failed = Set<String>()
        func fail(_ model: RollupModel, _ message: String) {
            let names = RollupModel.dependents(of: model.name, in: models).union([model.name])
            for name in models.map(\.name) where names.contains(name) && !failed.contains(name) {
                failed.insert(name)
                outcome.failures.append(
                    ModelFailure(
                        model: name,
                        message: name == model.name ? message : "\(name).sql: waits for \(model.name), which failed"))
            }
        }
        defer { cleanUp(db) }
        cleanUp(db)
        // The minutes pending for these models now: their rows are committed, so the build covers them, and
        // the switch removes them (minutes claimed later stay for the next pass).
        try db.query(
            "create temporary table aside_pending as select model, minute from rollup_pending where model = any($1::text[])",
            [PostgresArray.text(models.map(\.name))])

        let started = MonotonicClock.nowMilliseconds()
        var chunksDone = 0
        for (index, model) in models.enumerated() {
            if let source = model.header.source, failed.contains(source) { continue }
            do {
                let chunks = try prepare(model, index: index, db)
                for (number, chunk) in chunks.enumerated() {
                    let rows = try db.withTransaction { db in
                        try RollupLock.beginModelWork(db)
                        return try merge(model, index: index, db).recompute(windows: chunk.windows, db)
                    }
                    chunksDone += 1
                    logger.info(
                        "rebuild progress",
                        metadata: [
                            LogKey.model: "\(model.name)", "chunk": "\(number + 1)/\(chunks.count)",
                            "from": "\(chunk.day)", LogKey.rows: "\(rows)",
                        ])
                }
            } catch let error as PostgresError where error.isOutage {
                throw error
            } catch {
                fail(model, RollupRunner.reason(error, in: model))
            }
        }

        try db.withTransaction { db in
            try RollupLock.take(db)
            for (index, model) in models.enumerated() where !failed.contains(model.name) {
                let current = try db.query("select version from rollup_models where name = $1", [model.name])
                let now = current.rowCount == 0 ? nil : try current.value(String.self, row: 0, column: 0)
                if now != recorded[model.name], now == versions[model.name] {
                    continue  // another rollup switched to this version meanwhile
                }
                try db.execute(script: "savepoint aside_switch")
                do {
                    let changed = try switchTo(model, index: index, db)
                    try db.query(
                        """
                        delete from rollup_pending as p using pg_temp.aside_pending as a
                        where p.model = $1 and a.model = $1 and p.minute = a.minute
                        """, [model.name])
                    try ModelRecord.record(model, version: versions[model.name]!, rows: changed, db)
                    try db.execute(script: "release savepoint aside_switch")
                    outcome.rows[model.name] = changed
                    outcome.switched.append(model.name)
                } catch let error as PostgresError where error.isOutage {
                    throw error
                } catch {
                    try db.execute(script: "rollback to savepoint aside_switch")
                    fail(
                        model,
                        "\(model.file): cannot switch to the rebuilt table: \(RollupRunner.reason(error, in: model))")
                }
            }
        }
        if !outcome.switched.isEmpty {
            logger.info(
                "rebuilt and switched",
                metadata: [
                    "models": "\(outcome.switched)", "chunks": "\(chunksDone)",
                    LogKey.durationMilliseconds: "\(MonotonicClock.nowMilliseconds() - started)",
                ])
        }
        return outcome
    }

    /// A rebuild's unit of work: the windows (a timestamptz array literal) of one UTC day, or one long window.
    struct Chunk {
        var day: String
        var windows: String
    }

    /// Creates the model's aside table from the columns its `select` returns, and lists its windows with
    /// input, in chunks.
    private func prepare(_ model: RollupModel, index: Int, _ db: PostgresConnection) throws -> [Chunk] {
        try db.withTransaction { db in
            var kind = ModelInput.Kind.windows
            if let source = model.header.source {
                try ModelInput.ensureShadow(of: source, reading: sourceTable(source), in: "pg_temp", db)
                kind = .rebuild
            }
            let columns = try ModelInput.resultColumns(of: model, schema: schema, kind: kind, db)
            try check(columns, of: model)
            try db.execute(
                script: ModelTable.createStatement(
                    Self.asideName(index), columns: columns, key: model.header.key, temporary: true))
            let windows: [String]
            if let source = model.header.source {
                let found = try db.query(
                    """
                    select distinct \(ModelStatus.utc("purchase_window_start(window_start, $1::interval, $2)")) as w
                    from \(sourceTable(source)) order by w
                    """, [model.window.interval, model.window.zone])
                windows = try (0..<found.rowCount).map { try found.value(String.self, row: $0, column: 0) }
            } else {
                windows = try RangeRecompute.windowsWithRows(model.window, from: "-infinity", to: "infinity", db)
            }
            return Self.chunks(windows, model.window)
        }
    }

    /// Groups window starts (UTC ISO 8601 text, in order) into chunks of a UTC day, or one window a day or
    /// longer each.
    static func chunks(_ windows: [String], _ window: ModelWindow) -> [Chunk] {
        var chunks: [Chunk] = []
        var day = ""
        var current: [String] = []
        let perWindow = window.fixedMinutes.map { $0 >= 1_440 } ?? true
        for start in windows {
            let startDay = String(start.prefix(10))
            if !current.isEmpty, perWindow || startDay != day {
                chunks.append(Chunk(day: day, windows: PostgresArray.text(current)))
                current = []
            }
            day = startDay
            current.append(start)
        }
        if !current.isEmpty { chunks.append(Chunk(day: day, windows: PostgresArray.text(current))) }
        return chunks
    }

    /// A `select` must return the key and must not return the engine's columns.
    private func check(_ columns: [ModelTable.Column], of model: RollupModel) throws {
        let names = columns.map(\.name)
        if let owned = names.first(where: { ModelTable.ownedColumns.contains($0) }) {
            throw PipelineError(
                .model, "\(model.file): returns \(owned), which is the engine's column; remove it from the select")
        }
        if let missing = model.header.key.first(where: { !names.contains($0) }) {
            throw PipelineError(
                .model, "\(model.file): the header's key names \(missing), which the select does not return")
        }
        if Set(names).count != names.count {
            throw PipelineError(.model, "\(model.file): the select returns a column name twice")
        }
    }

    /// The source's table as this build reads it: its aside table when it is rebuilt too.
    private func sourceTable(_ source: String) -> String {
        if let index = models.firstIndex(where: { $0.name == source }) { return Self.asideName(index) }
        return ModelTable(schema: schema, name: source).qualified
    }

    /// The merge into the aside table; a derived model reads its source through a temporary shadow.
    private func merge(_ model: RollupModel, index: Int, _ db: PostgresConnection) throws -> WindowMerge {
        var merge = WindowMerge(
            model: model, schema: schema, target: Self.asideName(index),
            columns: try ModelTable.columns(of: Self.asideName(index), db).filter {
                !ModelTable.ownedColumns.contains($0.name)
            })
        if let source = model.header.source {
            try ModelInput.ensureShadow(of: source, reading: sourceTable(source), in: "pg_temp", db)
            merge.input = .rebuild
        }
        return merge
    }

    /// Makes the real table hold exactly the rebuilt rows, changing its columns in place first, and writing
    /// only rows that differ (`updated_at` aside), so an unchanged row keeps its `updated_at`. Rows of windows
    /// older than the raw history retention kept have nothing to be rebuilt from: they stay (a new column is
    /// NULL there), unless the grain changed (key, window or zone), when no old row means anything any more.
    /// Returns the rows it changed.
    private func switchTo(_ model: RollupModel, index: Int, _ db: PostgresConnection) throws -> Int {
        let q = PostgresIdentifier.quoted
        let aside = Self.asideName(index)
        let table = ModelTable(schema: schema, name: model.name)
        let real = table.qualified
        let built = try ModelTable.columns(of: aside, db).filter { !ModelTable.ownedColumns.contains($0.name) }
        let keys = model.header.key
        let owned = ["window_end", "updated_at"]
        let list = (built.map(\.name) + owned).map(q).joined(separator: ", ")
        guard try table.exists(db) else {
            try table.create(columns: built, key: keys, db)
            return try db.query("insert into \(real) (\(list)) select \(list) from \(aside)").affectedRows
        }
        var changed = 0
        let grain = try db.query(
            "select bool_and(coalesce(window_size, make_interval(mins => window_minutes)) = $2::interval and timezone = $3) from rollup_models where name = $1",
            [model.name, model.window.interval, model.window.zone]
        ).optionalValue(Bool.self, row: 0, column: 0)
        let oldKey = try table.key(db)
        let regrained = grain == false || oldKey != keys
        // A derived model's shadow of this table names its columns; it is made again on the next pass.
        try ModelInput.dropShadow(of: model.name, db)
        if regrained { changed += try db.execute(script: "delete from \(real)").affectedRows }
        let have = try table.columns(db)
        var alter: [String] = []
        for column in built {
            if let old = have.first(where: { $0.name == column.name }) {
                if old.type != column.type {
                    alter.append(
                        "alter column \(q(column.name)) type \(column.type) using \(q(column.name))::\(column.type)")
                }
            } else {
                alter.append("add column \(q(column.name)) \(column.type)")
            }
        }
        for old in have where !built.contains(where: { $0.name == old.name }) {
            alter.append("drop column \(q(old.name))")
        }
        if oldKey != keys {
            if let constraint = try db.query(
                "select conname from pg_constraint where conrelid = to_regclass($1) and contype = 'p'", [real]
            ).optionalValue(String.self, row: 0, column: 0) {
                alter.append("drop constraint \(q(constraint))")
            }
            alter += keys.map { "alter column \(q($0)) set not null" }
            alter.append("add primary key (\(keys.map(q).joined(separator: ", ")))")
        }
        if !alter.isEmpty { try db.execute(script: "alter table \(real) \(alter.joined(separator: ", "))") }

        let sameKey = keys.map { "r.\(q($0)) = n.\(q($0))" }.joined(separator: " and ")
        changed += try db.query(
            """
            delete from \(real) as r
            where not exists (select 1 from \(aside) as n where \(sameKey))
              and r.window_start >= coalesce((select kept_from from staging_retention), '-infinity')
            """
        ).affectedRows
        let compared = built.map(\.name).filter { !keys.contains($0) } + ["window_end"]
        changed += try db.query(
            """
            insert into \(real) as r (\(list)) select \(list) from \(aside)
            on conflict (\(keys.map(q).joined(separator: ", "))) do update set
                \((compared + ["updated_at"]).map { "\(q($0)) = excluded.\(q($0))" }.joined(separator: ", "))
            where (\(compared.map { "r.\(q($0))" }.joined(separator: ", ")))
                is distinct from (\(compared.map { "excluded.\(q($0))" }.joined(separator: ", ")))
            """
        ).affectedRows
        return changed
    }

    /// Drops what a build leaves in the session (the aside tables, their shadows, the pending minutes), and
    /// what a build that failed half-way left before; the workspace's own view stays. Views first: they read
    /// the tables.
    private func cleanUp(_ db: PostgresConnection) {
        guard
            let leftovers = try? db.query(
                """
                select relname, relkind = 'v' from pg_class
                where relnamespace = pg_my_temp_schema() and relkind in ('r', 'v')
                  and (relname like 'rollup\\_aside\\_%' or relname = 'aside_pending'
                       or (relkind = 'v' and relname <> 'purchase_events'))
                order by relkind = 'v' desc
                """)
        else { return }
        for row in 0..<leftovers.rowCount {
            guard let name = leftovers[row, 0], let isView = leftovers[row, 1] else { continue }
            let relation = PostgresIdentifier.qualified("pg_temp", name)
            _ = try? db.execute(script: (isView == "t" ? "drop view " : "drop table ") + relation)
        }
    }
}
