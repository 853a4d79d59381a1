import PostgresClient

/// The events a pass claimed, so that an additive model (`AdditiveForm`) can add them to its stored rows
/// instead of recomputing each touched window from all its events: at 50,000 events/s a pass would otherwise
/// rescan up to 3 M rows of the current minute for every such model.
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
enum NewEvents {
    /// Fills the workspace's `rollup_new_rows` (the claimed batches' rows) and `rollup_addable` from
    /// `rollup_claimed`. Returns the number of addable minutes.
    static func prepare(_ db: PostgresConnection) throws -> Int {
        try db.execute(
            script: """
                insert into pg_temp.rollup_new_rows
                select s.* from (
                    select minute, min(first_created_at) as first_at, max(last_created_at) as last_at
                    from pg_temp.rollup_claimed
                    group by minute
                    having bool_and(first_created_at is not null and last_created_at is not null)
                ) as span
                cross join lateral (
                    select * from staging_purchases as p
                    where p.created_at >= span.first_at and p.created_at <= span.last_at
                ) as s;

                insert into pg_temp.rollup_addable
                select minute from pg_temp.rollup_claimed
                group by minute
                having bool_and(first_created_at is not null and last_created_at is not null)
                except
                select distinct purchase_window_start(created_at, '1 minute') from pg_temp.rollup_new_rows
                group by created_at, purchase_id
                having count(*) > 1;

                delete from pg_temp.rollup_new_rows as r
                where not exists (select 1 from pg_temp.rollup_claimed as c where c.load_batch_id = r.load_batch_id);
                """)
        return try db.query("select count(*) from pg_temp.rollup_addable").scalar(Int.self)
    }
}
