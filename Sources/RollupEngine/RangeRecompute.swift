import Logging
import PostgresClient
import ProcessSupport

/// Recomputing models over a range of event time, on demand: `rollup backfill` commits it, `rollup verify`
/// compares it with what the tables hold and rolls it back. Both run each model's own `select`, through the
/// engine's one merge (`WindowMerge`), under the rollup's lock, so they never interleave with a pass.
///
/// The windows recomputed are those holding raw rows in the range and those the model's table already has
/// there (so a row with no events behind it is found, and removed by a backfill).
package struct RangeRecompute {
    let models: [RollupModel]
    /// The range `[from, to)` of event time, as timestamptz text; `-infinity`/`infinity` for all of it.
    let from: String
    let to: String
    let logger: Logger

    package init(models: [RollupModel], from: String, to: String, logger: Logger) {
        self.models = models
        self.from = from
        self.to = to
        self.logger = logger
    }

    /// One row that differs: what the model's current SQL computes now against what the table holds.
    package struct Difference: Sendable, Equatable, CustomStringConvertible {
        package var model: String
        package var window: String
        package var key: String
        /// The recomputed row's values, or nil when the model computes no row there.
        package var expected: String?
        /// The stored row's values, or nil when the table has no row there.
        package var found: String?

        package var description: String {
            "\(model) \(window) \(key): expected \(expected ?? "no row"), found \(found ?? "no row")"
        }
    }

    /// The CTE `minutes (minute)`: the UTC minutes of `[$1, $2)` that hold raw rows, found by skipping through
    /// the created_at index one minute at a time (one probe per minute with rows, and a NULL at the end)
    /// instead of reading every row to group them.
    package static let minutesWithRows = """
        with recursive minutes (minute) as (
            select purchase_window_start(min(created_at), '1 minute') from staging_purchases
            where created_at >= $1::timestamptz and created_at < $2::timestamptz
            union all
            select (
                select purchase_window_start(min(p.created_at), '1 minute')
                from staging_purchases as p
                where p.created_at >= minutes.minute + interval '1 minute' and p.created_at < $2::timestamptz
            )
            from minutes
            where minutes.minute is not null
        )
        """

    /// The starts of the model's windows that hold raw rows in `[from, to)`, in order, as UTC ISO 8601 text.
    ///
    /// Found a UTC day at a time: the days with rows by one index probe each, then each day's minutes with
    /// rows (`minutesWithRows`) with the day's own bounds, which Postgres prunes to that day's partition. One
    /// minute-level skip scan over unbounded times would open every partition's index on every probe (13 s
    /// for a 1 M-row history, measured).
    package static func windowsWithRows(
        _ window: ModelWindow, from: String, to: String, _ db: PostgresConnection
    ) throws -> [String] {
        let days = try db.query(
            """
            with recursive raw_days (day) as (
                select date_trunc('day', min(created_at), 'UTC') from staging_purchases
                where created_at >= $1::timestamptz and created_at < $2::timestamptz
                union all
                select (
                    select date_trunc('day', min(p.created_at), 'UTC') from staging_purchases as p
                    where p.created_at >= raw_days.day + interval '1 day' and p.created_at < $2::timestamptz
                )
                from raw_days
                where raw_days.day is not null
            )
            select greatest(day, $1::timestamptz)::text, least(day + interval '1 day', $2::timestamptz)::text
            from raw_days where day is not null order by day
            """, [from, to])
        var found = Set<String>()
        for day in 0..<days.rowCount {
            let windows = try db.query(
                """
                \(minutesWithRows)
                select distinct \(ModelStatus.utc("purchase_window_start(minute, $3::interval, $4)"))
                from minutes where minute is not null
                """,
                [
                    try days.value(String.self, row: day, column: 0), try days.value(String.self, row: day, column: 1),
                    window.interval, window.zone,
                ])
            for row in 0..<windows.rowCount { found.insert(try windows.value(String.self, row: row, column: 0)) }
        }
        return found.sorted()
    }

    /// The model's windows in the range, in order: those holding raw rows, and those its table has from where
    /// raw retention kept the history on (older ones have no raw rows to recompute from).
    func windows(_ model: RollupModel, table: String, _ db: PostgresConnection) throws -> [String] {
        let stored = try db.query(
            """
            select \(ModelStatus.utc("window_start")) from \(table)
            where window_end > $1::timestamptz and window_start < $2::timestamptz
              and window_start >= coalesce((select kept_from from staging_retention), '-infinity')
            """, [from, to])
        var found = Set(try Self.windowsWithRows(model.window, from: from, to: to, db))
        for row in 0..<stored.rowCount { found.insert(try stored.value(String.self, row: row, column: 0)) }
        return found.sorted()
    }

    /// Recomputes the models (in pass order) over the range, a day of windows per transaction with a progress
    /// line each, so a long backfill holds no lock for long and shows how far it is. Returns the rows written.
    package func backfill(_ db: PostgresConnection) throws -> Int {
        let schema = try ModelTable.schema(db)
        var written = 0
        for model in models {
            let table = ModelTable(schema: schema, name: model.name).qualified
            let chunks = try db.withTransaction { db in
                AsideBuild.chunks(try windows(model, table: table, db), model.window)
            }
            for (number, chunk) in chunks.enumerated() {
                let rows = try db.withTransaction { db in
                    try RollupLock.beginModelWork(db)
                    let rows = try WindowMerge.into(model, schema: schema, db).recompute(windows: chunk.windows, db)
                    try Finality.finalize(model, table: table, windows: chunk.windows, db)
                    return rows
                }
                written += rows
                logger.info(
                    "backfill progress",
                    metadata: [
                        LogKey.model: "\(model.name)", "from": "\(chunk.day)",
                        "chunk": "\(number + 1)/\(chunks.count)", LogKey.rows: "\(rows)",
                    ])
            }
        }
        return written
    }

    /// Recomputes the models over the range in a transaction that is always rolled back, and returns every
    /// row that differs from what the tables hold. A derived model reads its source's rows as recomputed
    /// here when the source is verified too, as stored otherwise.
    package func verify(_ db: PostgresConnection) throws -> (windows: Int, differences: [Difference]) {
        var differences: [Difference] = []
        var windows = 0
        let schema = try ModelTable.schema(db)
        try db.execute(script: "begin")
        defer { _ = try? db.execute(script: "rollback") }
        try RollupLock.beginModelWork(db)
        let q = PostgresIdentifier.quoted
        for (index, model) in models.enumerated() {
            let table = ModelTable(schema: schema, name: model.name).qualified
            let found = "pg_temp.verify_found_\(index)"
            let inRange = "window_end > $1::timestamptz and window_start < $2::timestamptz"
            try db.query(
                "create temporary table \(found) on commit drop as select * from \(table) where \(inRange)", [from, to])
            let starts = try self.windows(model, table: table, db)
            guard !starts.isEmpty else { continue }
            windows += starts.count
            let array = PostgresArray.text(starts)
            _ = try WindowMerge.into(model, schema: schema, db).recompute(windows: array, db)
            let keys = model.header.key.map(q)
            let join = keys.map { "e.\($0) = f.\($0)" }.joined(separator: " and ")
            func keyText(_ alias: String) -> String {
                keys.count == 1
                    ? "''" : keys.dropFirst().map { "\(alias).\($0)::text" }.joined(separator: " || ' ' || ")
            }
            // The engine's columns are not what the model computes: finality and updated_at are left out.
            let values =
                "- 'updated_at' - 'is_final' - 'corrected_after_final' - "
                + model.header.key.map { "'\($0.replacing("'", with: "''"))'" }.joined(separator: " - ")
            let rows = try db.query(
                """
                with expected as (select * from \(table) where \(inRange))
                select to_char(coalesce(e.window_start, f.window_start) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'),
                       coalesce(\(keyText("e")), \(keyText("f"))),
                       (to_jsonb(e) \(values))::text, (to_jsonb(f) \(values))::text
                from expected as e
                full join \(found) as f on \(join)
                where (to_jsonb(e) \(values)) is distinct from (to_jsonb(f) \(values))
                order by 1, 2
                """, [from, to])
            for row in 0..<rows.rowCount {
                differences.append(
                    Difference(
                        model: model.name, window: try rows.value(String.self, row: row, column: 0),
                        key: try rows.optionalValue(String.self, row: row, column: 1) ?? "",
                        expected: try rows.optionalValue(String.self, row: row, column: 2),
                        found: try rows.optionalValue(String.self, row: row, column: 3)))
            }
        }
        return (windows, differences)
    }
}
