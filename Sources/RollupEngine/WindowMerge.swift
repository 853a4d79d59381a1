import PostgresClient
import ProcessSupport

/// The statement that brings some windows of a model's table up to date from its `select`: the engine's one
/// merge, for every model, written here and nowhere else.
///
/// The `select` runs against its input as the engine supplies it (`ModelInput`): only the events, or the
/// source rows, of the windows being brought up to date. Then, in the same statement, every row it returned is
/// checked to lie in one of those windows (a header and a query that disagree fail here and write nothing,
/// `rollup_window_mismatch`), the (window, key) rows it no longer returns are deleted, and the rows that
/// changed are upserted; equal rows are not written (the engine's columns aside), so `updated_at` says when
/// a row last changed. When adding (`additive`), the measures returned for the new events are added to the
/// stored ones instead, and nothing is deleted.
package struct WindowMerge {
    package let model: RollupModel
    /// Where model tables live (`ModelTable.schema`).
    let schema: String
    /// The table written (qualified): the model's own, or a rebuild's aside table.
    let target: String
    /// The target's model columns, with their types.
    let columns: [ModelTable.Column]
    /// The types the `select` returns, by column, where they differ from the target's (an adopted table).
    var resultTypes: [String: String] = [:]
    /// What the `select` reads when recomputing (`ModelInput`): `.rebuild` for a derived model rebuilt aside.
    var input: ModelInput.Kind = .windows

    /// The merge into the model's own table, its source's shadow made ready. `returned` are the columns its
    /// `select` returns, when the caller knows them already.
    static func into(
        _ model: RollupModel, schema: String, returned: [ModelTable.Column]? = nil, _ db: PostgresConnection
    ) throws -> WindowMerge {
        let table = ModelTable(schema: schema, name: model.name)
        if let source = model.header.source {
            try ModelInput.ensureShadow(
                of: source, reading: ModelTable(schema: schema, name: source).qualified, in: "rollup_sources", db)
        }
        let have = try table.columns(db)
        var merge = WindowMerge(model: model, schema: schema, target: table.qualified, columns: have)
        for column in try returned ?? ModelInput.resultColumns(of: model, schema: schema, db) {
            guard let target = have.first(where: { $0.name == column.name }) else {
                throw PipelineError(
                    .model,
                    "\(model.file): returns \(column.name), which its table \(model.name) does not have (it is rebuilt when its version changes)"
                )
            }
            if target.type != column.type { merge.resultTypes[column.name] = column.type }
        }
        return merge
    }

    /// What the statement's text starts with before the model's: error positions beyond it are in the file.
    static let prefix = "with computed as materialized (\n"

    /// Recomputes the windows whose starts are in `windows` (a timestamptz array literal) from their input.
    /// Returns the rows it wrote (inserted, updated or deleted).
    func recompute(windows: String, _ db: PostgresConnection) throws -> Int {
        try run(statement(adding: nil), windows: windows, input: input, db)
    }

    /// Adds the measures computed over the new events of the windows in `windows` to the stored rows.
    func add(windows: String, measures: [String], _ db: PostgresConnection) throws -> Int {
        try run(statement(adding: measures), windows: windows, input: .newEvents, db)
    }

    /// Runs the statement against the model's input; a statement error becomes the model's failure, naming
    /// the file and, where Postgres says, the line and column in it.
    private func run(_ sql: String, windows: String, input: ModelInput.Kind, _ db: PostgresConnection) throws -> Int {
        try ModelInput.with(model, windows: windows, kind: input, schema: schema, db) {
            do {
                return try db.query(sql, [windows, model.window.interval, model.window.zone, model.name])
                    .scalar(Int.self)
            } catch let error as PostgresError where !error.isOutage {
                throw PipelineError(.model, model.reason(error, offset: Self.offset))
            }
        }
    }

    /// $1 the windows' starts, $2 the window size, $3 the zone, $4 the model's name.
    func statement(adding measures: [String]?) -> String {
        let q = PostgresIdentifier.quoted
        let keys = model.header.key
        let names = columns.map(\.name)
        let values = columns.map { column in
            let value = "n.\(q(column.name))"
            guard let from = resultTypes[column.name] else { return value }
            return ModelTable.write(value, from: from, to: column.type, modelParameter: "$4", column: column.name)
                ?? value
        }
        let others = names.filter { !keys.contains($0) }
        let sameKey = keys.map { "n.\(q($0)) = t.\(q($0))" }.joined(separator: " and ")
        let head = """
            \(Self.prefix)\(model.sql)
            ),
            kept as (
                select * from computed as c
                where case when c.window_start = any($1::timestamptz[]) then true
                           else rollup_window_mismatch($4, c.window_start, $2::interval, $3, $1::timestamptz[]) end
            ),
            """
        let insert = """
            insert into \(target) as t (\((names + ["window_end", "updated_at"]).map(q).joined(separator: ", ")))
            select \(values.joined(separator: ", ")), purchase_window_end(n.window_start, $2::interval, $3), now()
            from kept as n
            on conflict (\(keys.map(q).joined(separator: ", "))) do update set
            """
        if let measures {
            let sets =
                others.map { column in
                    measures.contains(column)
                        ? "\(q(column)) = coalesce(t.\(q(column)) + excluded.\(q(column)), t.\(q(column)), excluded.\(q(column)))"
                        : "\(q(column)) = excluded.\(q(column))"
                } + ["window_end = excluded.window_end", "updated_at = excluded.updated_at"]
            return """
                \(head)
                written as (
                    \(insert) \(sets.joined(separator: ", "))
                    returning 1
                )
                select count(*) from written
                """
        }
        let compared = others + ["window_end"]
        let sets = compared.map { "\(q($0)) = excluded.\(q($0))" } + ["updated_at = excluded.updated_at"]
        return """
            \(head)
            emptied as (
                delete from \(target) as t
                where t.window_start = any($1::timestamptz[]) and not exists (select from kept as n where \(sameKey))
                returning 1
            ),
            written as (
                \(insert) \(sets.joined(separator: ", "))
                where (\(compared.map { "t.\(q($0))" }.joined(separator: ", ")))
                    is distinct from (\(compared.map { "excluded.\(q($0))" }.joined(separator: ", ")))
                returning 1
            )
            select (select count(*) from emptied) + (select count(*) from written)
            """
    }

    /// Where a Postgres error position lands in the model's file, for `RollupModel.reason`.
    static var offset: Int { prefix.unicodeScalars.count }
}

/// What a model's `select` reads while the engine runs it. The engine sets the windows being brought up to
/// date for the transaction (`rollup_windows()`, V016) and puts a schema of shadow relations first in the
/// search path for the statement: `rollup_input.purchase_events` (those windows' events) for a model of raw
/// events, `rollup_sources.SOURCE` (those windows' rows of the source model's table) for a derived one, and
/// the workspace's `purchase_events` (only the pass's new events) when adding. The analyst's `select` names
/// none of this; pasted into `psql`, it reads the real relations and returns all history.
package enum ModelInput {
    package enum Kind: Sendable {
        /// The events, or source rows, of the windows.
        case windows
        /// The pass's new events of the windows (`PassWorkspace`).
        case newEvents
        /// A rebuild's: the source's rows from its aside table when it is rebuilt too (temporary shadows).
        case rebuild
    }

    /// Runs `body` with the model's input set to the windows in `windows` (a timestamptz array literal), and
    /// sets everything back afterwards (within the caller's transaction; a rollback does it too).
    static func with<T>(
        _ model: RollupModel, windows: String, kind: Kind, schema: String, _ db: PostgresConnection,
        _ body: () throws -> T
    ) throws -> T {
        let q = PostgresIdentifier.quoted
        let path =
            switch kind {
            case .windows: "\(q(model.inputSchema)), \(q(schema)), pg_temp"
            case .newEvents: "pg_temp, \(q(schema))"
            case .rebuild: "pg_temp, \(q(model.inputSchema)), \(q(schema))"
            }
        let saved = try db.query(
            """
            select current_setting('search_path'),
                   set_config('rollup.window_starts', $1, true),
                   set_config('rollup.window_ends', (
                       select coalesce(array_agg(purchase_window_end(s, $2::interval, $3) order by o), '{}')::text
                       from unnest($1::timestamptz[]) with ordinality as u (s, o)), true),
                   set_config('search_path', $4, true)
            """, [windows, model.window.interval, model.window.zone, path]
        ).value(String.self, row: 0, column: 0)
        let result = try body()
        try db.query(
            """
            select set_config('search_path', $1, true), set_config('rollup.window_starts', '{}', true),
                   set_config('rollup.window_ends', '{}', true)
            """, [saved])
        return result
    }

    /// The shadow of a source model's table in `rollup_sources` (or, for a rebuild, in `pg_temp` over the
    /// source's aside table): its rows whose window starts in one of the windows being brought up to date.
    /// Created when missing, and again when the source's columns changed (a view's `*` is expanded when it
    /// is created).
    static func ensureShadow(
        of source: String, reading table: String, in schema: String, _ db: PostgresConnection
    ) throws {
        let shadow = PostgresIdentifier.qualified(schema, source)
        let current = try db.query(
            """
            select to_regclass($1) is not null,
                   coalesce((select array_agg(attname::text order by attnum) from pg_attribute
                             where attrelid = to_regclass($1) and attnum > 0 and not attisdropped), '{}')
                   = coalesce((select array_agg(attname::text order by attnum) from pg_attribute
                               where attrelid = to_regclass($2) and attnum > 0 and not attisdropped), '{}')
            """, [shadow, table])
        let exists = try current.value(Bool.self, row: 0, column: 0)
        if exists, try current.value(Bool.self, row: 0, column: 1) { return }
        if exists { try db.execute(script: "drop view \(shadow)") }
        try db.execute(
            script: """
                create \(schema == "pg_temp" ? "temporary " : "")view \(shadow) as
                select t.* from rollup_windows() as w
                join \(table) as t on t.window_start >= w.window_start and t.window_start < w.window_end
                """)
        // Like the model tables, the shadows belong to the rollup's role, so any rollup login can replace them.
        if schema != "pg_temp" { try ModelTable.handToRollupRole("view \(shadow)", db) }
    }

    /// Drops the shadow of model `name` in `rollup_sources`, if there is one (so that its table's columns can
    /// change), without `drop view if exists`, whose NOTICE libpq would print on the user's terminal.
    static func dropShadow(of name: String, _ db: PostgresConnection) throws {
        let shadow = PostgresIdentifier.qualified("rollup_sources", name)
        if try db.query("select to_regclass($1) is not null", [shadow]).scalar(Bool.self) {
            try db.execute(script: "drop view \(shadow)")
        }
    }

    /// The columns a model's `select` returns and their types, from a run over no windows (no rows read).
    static func resultColumns(
        of model: RollupModel, schema: String, kind: Kind = .windows, _ db: PostgresConnection
    ) throws -> [ModelTable.Column] {
        if kind == .windows, let source = model.header.source {
            try ensureShadow(
                of: source, reading: ModelTable(schema: schema, name: source).qualified, in: "rollup_sources", db)
        }
        let result = try with(model, windows: "{}", kind: kind, schema: schema, db) {
            do {
                return try db.query("\(WindowMerge.prefix)\(model.sql)\n) select * from computed limit 0")
            } catch let error as PostgresError where !error.isOutage {
                throw PipelineError(.model, model.reason(error, offset: WindowMerge.offset))
            }
        }
        let described = result.columns
        let types = try db.query(
            """
            select case when t = 'unknown' then 'text' else t end
            from unnest($1::oid[], $2::int[]) with ordinality as c (oid, modifier, position)
            cross join lateral format_type(c.oid, c.modifier) as t
            order by position
            """,
            [
                PostgresArray.integers(described.map { Int64($0.typeOID) }),
                PostgresArray.integers(described.map { Int64($0.typeModifier) }),
            ])
        return try described.enumerated().map { index, column in
            ModelTable.Column(name: column.name, type: try types.value(String.self, row: index, column: 0))
        }
    }
}
