import Logging
import PostgresClient
import ProcessSupport

/// Recomputing models over a range of event time, on demand: `rollup backfill` commits it, `rollup verify`
/// compares it with what the tables hold and rolls it back.
///
/// The windows recomputed are those holding raw rows in the range and those the model's table already has
/// there (so a row with no events behind it is found, and removed by a backfill). Both run under the
/// rollup's advisory lock, so they never interleave with a pass.
struct RangeRecompute {
    let models: [RollupModel]
    /// The range `[from, to)` of event time, as timestamptz text; `-infinity`/`infinity` for all of it.
    let from: String
    let to: String
    let logger: Logger

    /// One row that differs: what the model's current SQL computes now against what the table holds.
    struct Difference: Sendable, Equatable, CustomStringConvertible {
        var model: String
        var window: String
        var key: String
        /// The recomputed row's values, or nil when the model computes no row there.
        var expected: String?
        /// The stored row's values, or nil when the table has no row there.
        var found: String?

        var description: String {
            "\(model) \(window) \(key): expected \(expected ?? "no row"), found \(found ?? "no row")"
        }
    }

    /// The CTE `minutes (minute)`: the UTC minutes of `[$1, $2)` that hold raw rows, found by skipping through
    /// the created_at index one minute at a time (one probe per minute with rows, and a NULL at the end)
    /// instead of reading every row to group them.
    static let minutesWithRows = """
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

    /// `"name"` quoted as an identifier (the table and key names come from the analyst's header).
    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacing("\"", with: "\"\"") + "\"" }

    /// Fills `rollup_touched` with the model's minutes in the range: raw rows' minutes and its table's windows
    /// (those from where raw retention kept the history on: older ones have no raw rows to recompute from).
    func touch(_ model: RollupModel, _ db: PostgresConnection) throws -> Int {
        try db.execute(script: "delete from rollup_touched")
        var touched = try db.query(
            """
            insert into rollup_touched
            \(Self.minutesWithRows)
            select minute from minutes where minute is not null
            on conflict do nothing
            """, [from, to]
        ).affectedRows
        touched += try db.query(
            """
            insert into rollup_touched
            select distinct window_start from \(Self.quoted(model.header.table))
            where window_start + $3::interval > $1::timestamptz and window_start < $2::timestamptz
              and window_start >= coalesce((select kept_from from staging_retention), '-infinity')
            on conflict do nothing
            """, [from, to, model.header.windowInterval]
        ).affectedRows
        if touched > 0 { try db.execute(script: "analyze rollup_touched") }
        return touched
    }

    func runModel(_ model: RollupModel, _ db: PostgresConnection) throws -> Int {
        do {
            return try db.query(model.sql, model.takesWindowSize ? [model.header.windowInterval] : []).affectedRows
        } catch {
            if error.isOutage { throw error }
            throw PipelineError(.model, RollupRunner.reason(error, in: model))
        }
    }

    /// The UTC days of the range that hold raw rows or rows of the models' tables, as `[from, to)` pairs
    /// clipped to the range: the chunks a backfill or an aside build works in, one transaction each.
    func days(_ db: PostgresConnection) throws -> [(from: String, to: String)] {
        // The UTC days in the range that hold raw rows (one index probe per day) or rows of the models' tables.
        let tableDays = models.map { model in
            """
            union
            select date_trunc('day', window_start, 'UTC') from \(Self.quoted(model.header.table))
            where window_start + $3::interval > $1::timestamptz and window_start < $2::timestamptz
            """
        }.joined(separator: "\n")
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
            ),
            days (day) as (
                select day from raw_days where day is not null
                \(tableDays)
            )
            select to_char(greatest(day, $1::timestamptz) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   to_char(least(day + interval '1 day', $2::timestamptz) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            from days order by day
            """, [from, to, "\(models.map(\.header.windowMinutes).max() ?? 1) minutes"])
        return try (0..<days.rowCount).map {
            (try days.value(String.self, row: $0, column: 0), try days.value(String.self, row: $0, column: 1))
        }
    }

    /// Recomputes the models (in pass order) over the range, one day of event time per transaction with a
    /// progress line each, so a long backfill holds no lock for long and shows how far it is. Returns the
    /// rows upserted (rows a model deleted, windows left without input, are not counted).
    func backfill(_ db: PostgresConnection) throws -> Int {
        let days = try days(db)
        var written = 0
        for (day, range) in days.enumerated() {
            let chunk = RangeRecompute(models: models, from: range.from, to: range.to, logger: logger)
            var rows = 0
            try db.withTransaction { db in
                try RollupRunner.beginModelWork(db)
                let final = try Finality.withColumns(models, db)
                for model in models where try chunk.touch(model, db) > 0 {
                    rows += try runModel(model, db)
                    if final.contains(model.name) {
                        try Finality.finalize(model, from: chunk.from, to: chunk.to, db)
                    }
                }
            }
            written += rows
            logger.info(
                "backfill progress",
                metadata: [
                    "from": "\(chunk.from)", "to": "\(chunk.to)", "day": "\(day + 1)/\(days.count)",
                    LogKey.rows: "\(rows)",
                ])
        }
        return written
    }

    /// Recomputes the models over the range in a transaction that is always rolled back, and returns every
    /// row that differs from what the tables hold. A derived model reads its source's rows as recomputed
    /// here when the source is verified too, as stored otherwise.
    func verify(_ db: PostgresConnection) throws -> (windows: Int, differences: [Difference]) {
        var differences: [Difference] = []
        var windows = 0
        try db.execute(script: "begin")
        defer { _ = try? db.execute(script: "rollback") }
        try RollupRunner.beginModelWork(db)
        for (index, model) in models.enumerated() {
            let table = Self.quoted(model.header.table)
            let keys = model.header.key.map(Self.quoted)
            let inRange = "window_start + $3::interval > $1::timestamptz and window_start < $2::timestamptz"
            let found = "verify_found_\(index)"
            try db.query(
                "create temporary table \(found) as select * from \(table) where \(inRange)",
                [from, to, model.header.windowInterval])
            guard try touch(model, db) > 0 else { continue }
            _ = try runModel(model, db)
            windows += try db.query(
                "select count(distinct window_start) from \(table) where \(inRange)",
                [from, to, model.header.windowInterval]
            ).scalar(Int.self)
            let join = keys.map { "e.\($0) = f.\($0)" }.joined(separator: " and ")
            func keyText(_ alias: String) -> String {
                keys.count == 1
                    ? "''" : keys.dropFirst().map { "\(alias).\($0)::text" }.joined(separator: " || ' ' || ")
            }
            let values = "- 'updated_at' - \(model.header.key.map { "'\($0)'" }.joined(separator: " - "))"
            let rows = try db.query(
                """
                with expected as (select * from \(table) where \(inRange))
                select to_char(coalesce(e.window_start, f.window_start) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'),
                       coalesce(\(keyText("e")), \(keyText("f"))),
                       (to_jsonb(e) \(values))::text, (to_jsonb(f) \(values))::text
                from expected as e
                full join \(found) as f on \(join)
                where (to_jsonb(e) - 'updated_at') is distinct from (to_jsonb(f) - 'updated_at')
                order by 1, 2
                """, [from, to, model.header.windowInterval])
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
