import PostgresClient
import ProcessSupport

/// The events a pass claimed, so that an additive model (`-- additive:` in its header) can add them to its
/// totals instead of recomputing each touched window from all its raw rows: at 50,000 events/s a pass would
/// otherwise rescan up to 3 M rows of the current minute for every such model.
///
/// The new events are the rows of the claimed load batches, found through each ledger row's span of event
/// time (V009) and the `created_at` index. Adding them is exact when the stored row counts exactly the events
/// of the batches claimed before and every new row is an event of its own. So a minute is *addable* when every
/// claimed ledger row of it has a span (a loader older than V009 writes none) and no two rows in its span are
/// copies of one event: copies share `created_at`, so a copy of a new row lies in the span. A minute with a
/// copy goes to the full recompute, which picks the copy that counts.
///
/// Per model, a window is added to only when every minute the model takes in it is addable and none was
/// carried from an earlier pass (a failed model's, a rebuild's): the carried minutes' rows were never added.
/// The pass reads one snapshot (repeatable read, taken after the rollup's lock), so a full recompute never
/// sees rows of a batch whose ledger rows it did not claim, which a later pass would then add a second time.
struct NewEvents {
    /// Fills the pass's temporary tables from `rollup_claimed` (which must hold the claimed ledger rows):
    /// `rollup_new_rows`, the claimed batches' rows, indexed by `created_at`, `rollup_addable (minute)`, and
    /// the empty `rollup_added` that `takeAddable` fills per model.
    /// Returns the number of addable minutes.
    static func prepare(_ db: PostgresConnection) throws -> Int {
        try db.execute(
            script: """
                create temporary table rollup_spans on commit drop as
                select minute, min(first_created_at) as first_at, max(last_created_at) as last_at
                from rollup_claimed
                group by minute
                having bool_and(first_created_at is not null and last_created_at is not null);

                create temporary table rollup_new_rows on commit drop as
                select s.* from rollup_spans as span
                cross join lateral (
                    select * from staging_purchases as p
                    where p.created_at >= span.first_at and p.created_at <= span.last_at
                ) as s;

                create temporary table rollup_addable on commit drop as
                select minute from rollup_spans
                except
                select distinct purchase_window_start(created_at, '1 minute') from rollup_new_rows
                group by created_at, purchase_id
                having count(*) > 1;

                delete from rollup_new_rows as r
                where not exists (select 1 from rollup_claimed as c where c.load_batch_id = r.load_batch_id);

                create index on rollup_new_rows (created_at);
                analyze rollup_new_rows;

                create temporary table rollup_added (minute timestamptz primary key) on commit drop
                """)
        return try db.query("select count(*) from rollup_addable").scalar(Int.self)
    }

    /// Moves out of `rollup_touched` the minutes of the windows the model may add to (see the type's
    /// comment), into `rollup_added (minute)`. Returns how many minutes moved.
    static func takeAddable(_ model: RollupModel, _ db: PostgresConnection) throws -> Int {
        try db.execute(script: "delete from rollup_added")
        return try db.query(
            """
            with addable_windows as (
                select purchase_window_start(t.minute, $2::interval) as window_start
                from rollup_touched as t
                left join rollup_addable as a on a.minute = t.minute
                left join rollup_carried as c on c.model = $1 and c.minute = t.minute
                group by 1
                having bool_and(a.minute is not null and c.minute is null)
            ),
            moved as (
                delete from rollup_touched as t
                where purchase_window_start(t.minute, $2::interval) in (select window_start from addable_windows)
                returning t.minute
            )
            insert into rollup_added select minute from moved
            """, [model.name, model.header.windowInterval]
        ).affectedRows
    }

    /// Runs the model over the new events of the windows in `rollup_added` only, into a temporary table of
    /// its table's name, with a temporary view of the new rows shadowing `staging_purchases` (both come
    /// before the real ones in Postgres' search path), then adds the result to the real table: additive
    /// columns are summed, the other non-key columns take the new value. Returns the rows it wrote.
    static func add(_ model: RollupModel, real: String, _ db: PostgresConnection) throws -> Int {
        let q = RangeRecompute.quoted
        let aside = "pg_temp." + q(model.header.table)
        let columns = try RollupModel.modelColumns(of: real, db)
        if let missing = model.header.additive.first(where: { !columns.contains($0) }) {
            throw PipelineError(.model, "additive column \(missing) is not a column of \(model.header.table)")
        }
        try db.execute(
            script: """
                delete from rollup_touched;
                insert into rollup_touched select minute from rollup_added;
                analyze rollup_touched;
                create temporary table \(q(model.header.table)) (like \(real) including all);
                create temporary view staging_purchases as select * from pg_temp.rollup_new_rows
                """)
        _ = try db.query(model.sql, model.takesWindowSize ? [model.header.windowInterval] : [])
        try db.execute(script: "drop view pg_temp.staging_purchases")
        let keys = model.header.key
        let list = columns.map(q).joined(separator: ", ")
        let sets = columns.filter { !keys.contains($0) }.map { column in
            model.header.additive.contains(column)
                ? "\(q(column)) = r.\(q(column)) + excluded.\(q(column))" : "\(q(column)) = excluded.\(q(column))"
        }
        let written = try db.query(
            """
            insert into \(real) as r (\(list)) select \(list) from \(aside)
            on conflict (\(keys.map(q).joined(separator: ", "))) do update set \(sets.joined(separator: ", "))
            """
        ).affectedRows
        try db.execute(script: "drop table \(aside)")
        return written
    }
}
