import Logging
import PostgresClient
import ProcessSupport

/// A new or changed model recomputed over all its history beside its table, then switched to in one
/// transaction: readers (Grafana) see the old rows until the switch commits and the new ones after it, never a
/// mix; the table itself, its grants and its identity stay, since rows move, not tables.
///
/// The new version is built in a session temporary table of the same name, which Postgres' `pg_temp` schema
/// puts before the real one, so the model's unchanged SQL writes there (and a derived model being rebuilt
/// reads its source's new rows there). The build runs one day of event time per transaction, each under the
/// rollup's lock with a progress line, so a long recompute holds nothing for long and the loader keeps
/// loading. What the loader adds meanwhile is in the ledger and is rolled up by the next pass, under the new
/// version. A crash loses only the temporary tables; the next run starts over.
struct AsideBuild {
    /// The models to rebuild, in pass order (a derived model after its source).
    let models: [RollupModel]
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
        var real: [String: String] = [:]
        for model in models {
            let table = RangeRecompute.quoted(model.header.table)
            guard let qualified = try model.realTable(db) else {
                fail(model, "\(model.file): its table \(model.header.table) does not exist (a migration creates it)")
                continue
            }
            real[model.name] = qualified
            try dropAside(model, db)
            try db.execute(script: "create temporary table \(table) (like \(qualified) including all)")
        }
        // The minutes pending for these models now: their rows are committed, so the build covers them, and
        // the switch removes them (minutes claimed later stay for the next pass).
        try Self.dropTemporary("pg_temp.aside_pending", db)
        try db.query(
            "create temporary table aside_pending as select model, minute from rollup_pending where model = any($1::text[])",
            [PostgresArray.text(models.map(\.name))])
        defer {
            for model in models { try? dropAside(model, db) }
            _ = try? db.execute(script: "drop table pg_temp.aside_pending")
        }

        let started = MonotonicClock.nowMilliseconds()
        let all = RangeRecompute(models: models, from: "-infinity", to: "infinity", logger: logger)
        let days = try all.days(db)
        for (index, day) in days.enumerated() {
            let chunk = RangeRecompute(models: models, from: day.from, to: day.to, logger: logger)
            var rows = 0
            try db.withTransaction { db in
                try RollupRunner.beginModelWork(db)
                for model in models where !failed.contains(model.name) {
                    try db.execute(script: "savepoint aside_model")
                    do {
                        if try chunk.touch(model, db) > 0 { rows += try chunk.runModel(model, db) }
                        try db.execute(script: "release savepoint aside_model")
                    } catch let error as PostgresError where error.isOutage {
                        throw error
                    } catch {
                        try db.execute(script: "rollback to savepoint aside_model")
                        fail(model, "\(error)")
                    }
                }
            }
            logger.info(
                "recompute progress",
                metadata: [
                    "models": "\(models.map(\.name).filter { !failed.contains($0) })",
                    "day": "\(index + 1)/\(days.count)",
                    "from": "\(day.from)", LogKey.rows: "\(rows)",
                ])
        }

        try db.withTransaction { db in
            try RollupRunner.lock(db)
            for model in models where !failed.contains(model.name) {
                let current = try db.query("select version from rollup_models where name = $1", [model.name])
                let now = current.rowCount == 0 ? nil : try current.value(String.self, row: 0, column: 0)
                if now != recorded[model.name], now == versions[model.name] {
                    continue  // another rollup switched to this version meanwhile
                }
                let changed = try switchRows(model, into: real[model.name]!, db)
                try db.query(
                    """
                    delete from rollup_pending as p using pg_temp.aside_pending as a
                    where p.model = $1 and a.model = $1 and p.minute = a.minute
                    """, [model.name])
                outcome.rows[model.name] = changed
                try RollupRunner.record(model, version: versions[model.name]!, rows: changed, db)
                outcome.switched.append(model.name)
            }
        }
        if !outcome.switched.isEmpty {
            logger.info(
                "recomputed and switched",
                metadata: [
                    "models": "\(outcome.switched)", "days": "\(days.count)",
                    LogKey.durationMilliseconds: "\(MonotonicClock.nowMilliseconds() - started)",
                ])
        }
        return outcome
    }

    /// Makes the real table hold exactly the rebuilt rows, writing only rows that differ (the `updated_at`
    /// column aside), so an unchanged row keeps its `updated_at` and a reader's next query sees the new version.
    /// Returns the rows it changed.
    private func switchRows(_ model: RollupModel, into real: String, _ db: PostgresConnection) throws -> Int {
        let aside = "pg_temp." + RangeRecompute.quoted(model.header.table)
        let columns = try RollupModel.modelColumns(of: real, db)
        let keys = model.header.key
        let compared = columns.filter { !keys.contains($0) && $0 != "updated_at" }
        let updated = columns.filter { !keys.contains($0) }
        let q = RangeRecompute.quoted
        let sameKey = keys.map { "r.\(q($0)) = n.\(q($0))" }.joined(separator: " and ")
        // Rows older than the raw history that retention kept have nothing to be rebuilt from: they stay.
        var changed = try db.query(
            """
            delete from \(real) as r
            where not exists (select 1 from \(aside) as n where \(sameKey))
              and r.window_start >= coalesce((select kept_from from staging_retention), '-infinity')
            """
        ).affectedRows
        let list = columns.map(q).joined(separator: ", ")
        let onConflict =
            updated.isEmpty
            ? "do nothing"
            : """
            do update set \(updated.map { "\(q($0)) = excluded.\(q($0))" }.joined(separator: ", "))
            where (\(compared.map { "r.\(q($0))" }.joined(separator: ", ")), null)
                is distinct from (\(compared.map { "excluded.\(q($0))" }.joined(separator: ", ")), null)
            """
        changed += try db.query(
            """
            insert into \(real) as r (\(list)) select \(list) from \(aside)
            on conflict (\(keys.map(q).joined(separator: ", "))) \(onConflict)
            """
        ).affectedRows
        return changed
    }

    private func dropAside(_ model: RollupModel, _ db: PostgresConnection) throws {
        try Self.dropTemporary("pg_temp." + RangeRecompute.quoted(model.header.table), db)
    }

    /// Drops a temporary table if it exists, without `drop table if exists`, whose NOTICE libpq would print
    /// on the user's terminal when it does not.
    private static func dropTemporary(_ name: String, _ db: PostgresConnection) throws {
        if try db.query("select to_regclass($1) is not null", [name]).scalar(Bool.self) {
            try db.execute(script: "drop table \(name)")
        }
    }
}
