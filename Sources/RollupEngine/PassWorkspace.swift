import PostgresClient

/// The working tables of rollup passes on one connection: created once per session, emptied at the start of
/// each pass, vacuumed after it, never dropped. A pass at `--every 5s` therefore writes nothing to the system
/// catalogs (creating and dropping temporary tables every pass bloated `pg_class` and `pg_attribute`), and a
/// crash loses them with the session. Nothing else creates, names or drops them.
///
/// - `rollup_claimed`: the ingest ledger rows the pass claimed (`delete ... returning`).
/// - `rollup_carried`: the pending minutes models carried into the pass (a failed model's, a rebuild's).
/// - `rollup_new_rows`: the claimed batches' raw rows (`NewEvents`), indexed by `created_at`.
/// - `rollup_addable`: the claimed minutes whose new rows may be added to stored totals (`NewEvents`).
/// - the temporary view `purchase_events`: the new rows of the windows being added to, which an additive
///   model's `select` reads in place of the real view (`ModelInput.newEvents`).
///
/// The session's search path lists `pg_temp` last, so that this view shadows the real `purchase_events`
/// only where the engine asks for it.
package struct PassWorkspace {
    let db: PostgresConnection
    /// Where model tables live (`ModelTable.schema`).
    package let schema: String

    static let tables = ["rollup_claimed", "rollup_carried", "rollup_new_rows", "rollup_addable"]

    /// The connection's workspace, created on its first use (outside a transaction, so that it outlives it).
    package init(_ db: PostgresConnection) throws {
        self.db = db
        schema = try ModelTable.schema(db)
        let existing = try db.query(
            """
            select to_regclass('pg_temp.rollup_new_rows') is not null,
                   (select count(*) from pg_attribute where attrelid = to_regclass('pg_temp.rollup_new_rows')
                        and attnum > 0 and not attisdropped)
                   = (select count(*) from pg_attribute where attrelid = 'staging_purchases'::regclass
                        and attnum > 0 and not attisdropped)
            """)
        if try existing.value(Bool.self, row: 0, column: 0), try existing.value(Bool.self, row: 0, column: 1) {
            return
        }
        if try existing.value(Bool.self, row: 0, column: 0) {
            // The raw table gained a column since this session began (a migration): start the workspace over.
            try db.execute(
                script: "drop view pg_temp.purchase_events; "
                    + Self.tables.map { "drop table pg_temp.\($0);" }.joined(separator: " "))
        }
        try db.query("select set_config('search_path', $1, false)", [try Self.pathEndingInTemp(db)])
        try db.execute(
            script: """
                create temporary table rollup_claimed (
                    load_batch_id bigint, minute timestamptz, first_created_at timestamptz, last_created_at timestamptz
                );
                create temporary table rollup_carried (model text, minute timestamptz);
                create temporary table rollup_new_rows (like staging_purchases);
                create index on pg_temp.rollup_new_rows (created_at);
                create temporary table rollup_addable (minute timestamptz primary key);
                create temporary view purchase_events as
                select n.* from rollup_windows() as w
                join pg_temp.rollup_new_rows as n on n.created_at >= w.window_start and n.created_at < w.window_end;
                """)
    }

    /// Empties the working tables; the first step of a pass, in its transaction.
    func clear() throws {
        try db.execute(script: Self.tables.map { "delete from pg_temp.\($0);" }.joined(separator: " "))
    }

    /// Gives the space of the rows the pass deleted back (temporary tables are never autovacuumed) and keeps
    /// their statistics near the size of a pass, without `analyze`, which writes to `pg_statistic`. Outside
    /// a transaction, after the pass.
    func vacuum() throws {
        try db.execute(script: "vacuum " + Self.tables.map { "pg_temp.\($0)" }.joined(separator: ", "))
    }

    /// The session's search path with `pg_temp` named last (unnamed, it is searched first).
    private static func pathEndingInTemp(_ db: PostgresConnection) throws -> String {
        let path = try db.query("select current_setting('search_path')").scalar(String.self)
        return path.contains("pg_temp") ? path : path + ", pg_temp"
    }
}
