import PostgresClient
import ProcessSupport

/// A model's table: created by the engine from the columns its `select` returns, with the header's key as
/// primary key and the columns the engine owns, in the schema the dashboards read (where `purchase_events`
/// is), owned by the rollup's role and readable by `dashboard_reader`.
///
/// The engine owns `window_end` (the next window boundary, `purchase_window_end`), `is_final` and
/// `corrected_after_final` (`Finality`) and `updated_at`; a model never returns them, and rebuilding or adding
/// to a model leaves the finality columns as they were.
package struct ModelTable: Sendable, Equatable {
    package static let ownedColumns: Set<String> = ["window_end", "is_final", "corrected_after_final", "updated_at"]

    /// One column of a model's rows: its name and its type as `format_type` spells it (`numeric(18,2)`).
    package struct Column: Sendable, Equatable, Hashable {
        package var name: String
        package var type: String
    }

    package let schema: String
    package let name: String

    package var qualified: String { PostgresIdentifier.qualified(schema, name) }

    package init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }

    /// The schema model tables live in: the one the dashboards read, where the real `purchase_events` is.
    package static func schema(_ db: PostgresConnection) throws -> String {
        try db.query(
            """
            select n.nspname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
            where c.relname = 'purchase_events' and n.nspname not in ('rollup_input', 'rollup_sources')
              and n.nspname not like 'pg_temp%'
            order by n.nspname = current_schema() desc limit 1
            """
        ).optionalValue(String.self, row: 0, column: 0) ?? "public"
    }

    package func exists(_ db: PostgresConnection) throws -> Bool {
        try db.query("select to_regclass($1) is not null", [qualified]).scalar(Bool.self)
    }

    /// The model's columns (all but the engine's own), in table order.
    package func columns(_ db: PostgresConnection) throws -> [Column] {
        try Self.columns(of: qualified, db).filter { !Self.ownedColumns.contains($0.name) }
    }

    static func columns(of relation: String, _ db: PostgresConnection) throws -> [Column] {
        let result = try db.query(
            """
            select attname, format_type(atttypid, atttypmod) from pg_attribute
            where attrelid = to_regclass($1) and attnum > 0 and not attisdropped
            order by attnum
            """, [relation])
        return try (0..<result.rowCount).map {
            Column(
                name: try result.value(String.self, row: $0, column: 0),
                type: try result.value(String.self, row: $0, column: 1))
        }
    }

    /// The primary key's columns, in order; empty when the table has none.
    package func key(_ db: PostgresConnection) throws -> [String] {
        let result = try db.query(
            """
            select a.attname from pg_index as i
            cross join lateral unnest(i.indkey) with ordinality as k (attnum, position)
            join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
            where i.indrelid = to_regclass($1) and i.indisprimary
            order by k.position
            """, [qualified])
        return try (0..<result.rowCount).map { try result.value(String.self, row: $0, column: 0) }
    }

    /// The DDL of a table for `columns` with `key` and the engine's columns, at `target` (a qualified name).
    static func createStatement(_ target: String, columns: [Column], key: [String], temporary: Bool = false) -> String {
        let q = PostgresIdentifier.quoted
        let list = columns.map { "\(q($0.name)) \($0.type)" + (key.contains($0.name) ? " not null" : "") }
        return """
            create \(temporary ? "temporary " : "")table \(target) (
                \((list + [
                "window_end timestamptz not null",
                "is_final boolean not null default false",
                "corrected_after_final boolean not null default false",
                "updated_at timestamptz not null default now()",
                "primary key (\(key.map(q).joined(separator: ", ")))",
            ]).joined(separator: ",\n    "))
            )
            """
    }

    /// Creates the table, readable by `dashboard_reader` and owned by the rollup's role (when the user running
    /// the rollup may hand it over), so any rollup login can rebuild or drop it.
    package func create(columns: [Column], key: [String], _ db: PostgresConnection) throws {
        try db.execute(script: Self.createStatement(qualified, columns: columns, key: key))
        try db.execute(script: "grant select on \(qualified) to dashboard_reader")
        try Self.handToRollupRole("table \(qualified)", db)
    }

    /// Gives a relation the engine made (`table "public"."x"`, `view ...`) to the rollup's role when the user
    /// running the rollup is one of its logins, so that any rollup login can alter, replace or drop it later.
    static func handToRollupRole(_ relation: String, _ db: PostgresConnection) throws {
        if try db.query(
            "select current_user <> 'purchase_rollup' and pg_has_role(current_user, 'purchase_rollup', 'member')"
        ).scalar(Bool.self) {
            try db.execute(script: "alter \(relation) owner to purchase_rollup")
        }
    }

    /// How a model's value of type `from` is written into a column of type `to`: as it is when the types are
    /// the same; cast, and refused if the cast would round (`rollup_inexact_cast`, V016), when an adopted
    /// table's column is narrower (`sum(bigint)` is numeric, an adopted count column bigint; an adopted amount
    /// column numeric(18,2)); nil when the value cannot go there at all.
    /// `modelParameter` is the statement's parameter holding the model's name; the column's name comes from the
    /// catalog (the adopted table), and goes in as a standard-conforming literal.
    static func write(_ expression: String, from: String, to: String, modelParameter: String, column: String)
        -> String?
    {
        if from == to { return expression }
        let numeric = ["numeric", "bigint", "integer", "smallint"]
        func base(_ type: String) -> String { String(type.prefix { $0 != "(" }) }
        guard numeric.contains(base(from)), numeric.contains(base(to)) else { return nil }
        return """
            case when (\(expression))::\(to) = \(expression) then (\(expression))::\(to) \
            else rollup_inexact_cast(\(modelParameter), '\(column.replacing("'", with: "''"))', (\(expression))::text, '\(to)')::\(to) end
            """
    }
}

/// What `rollup_models` holds for a model: the version its rows come from, its watermark, its last run, and
/// whether its file is gone.
package struct ModelRecord: Sendable, Equatable {
    package var version: String
    package var watermark: String?
    package var retired: Bool
    package var lastRunAt: String?
    package var lastRowsWritten: Int

    /// Every model recorded, by name.
    package static func readAll(_ db: PostgresConnection) throws -> [String: ModelRecord] {
        let result = try db.query(
            """
            select name, version, watermark::text, retired_at is not null,
                   to_char(last_run_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), last_rows_written
            from rollup_models
            """)
        var records: [String: ModelRecord] = [:]
        for row in 0..<result.rowCount {
            records[try result.value(String.self, row: row, column: 0)] = ModelRecord(
                version: try result.value(String.self, row: row, column: 1),
                watermark: try result.optionalValue(String.self, row: row, column: 2),
                retired: try result.value(Bool.self, row: row, column: 3),
                lastRunAt: try result.optionalValue(String.self, row: row, column: 4),
                lastRowsWritten: try result.value(Int.self, row: row, column: 5))
        }
        return records
    }

    /// Records the version that produced the model's rows, and its run; a retired model that ran is back.
    static func record(_ model: RollupModel, version: String, rows: Int, _ db: PostgresConnection) throws {
        try db.query(
            """
            insert into rollup_models as m (
                name, version, table_name, window_minutes, window_size, timezone, source, definition, last_run_at,
                last_rows_written
            )
            values ($1, $2, $1, $3, $4::interval, $5, $6, $7, now(), $8)
            on conflict (name) do update set
                version = excluded.version, table_name = excluded.table_name,
                window_minutes = excluded.window_minutes, window_size = excluded.window_size,
                timezone = excluded.timezone, source = excluded.source, definition = excluded.definition,
                version_since = case when m.version = excluded.version then m.version_since else now() end,
                last_run_at = excluded.last_run_at, last_rows_written = excluded.last_rows_written, retired_at = null
            """,
            [
                model.name, version, model.window.fixedMinutes.map(String.init), model.window.interval,
                model.window.zone, model.header.source, model.sql, String(rows),
            ])
    }
}
