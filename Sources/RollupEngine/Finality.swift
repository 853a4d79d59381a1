import PostgresClient

/// Windows becoming final at each model's watermark, and the late events that still correct them afterwards.
///
/// A model's watermark is the latest event time loaded minus its allowed lateness; once no batch has been
/// loaded for longer than the allowed lateness, it is the wall clock minus the allowed lateness instead, so
/// the last window of a quiet shop closes too. It never moves back. A window whose end is at or before the
/// watermark is final, and its rows say so (`is_final`). An event that arrives after its window became
/// final still corrects it, since every pass brings touched windows up to date from the raw rows; it is also
/// counted, per model and window, with how late it was (`rollup_late_events`), and the window's rows say
/// they were corrected after finality (`corrected_after_final`).
///
/// Every model's table has these columns: the engine creates them (`ModelTable`).
struct Finality {
    /// The allowed lateness, in seconds, of a model whose header sets none.
    let defaultLatenessSeconds: Int

    /// What one model's finality step did in a pass.
    struct Outcome: Sendable, Equatable {
        var watermark: String
        /// Late events counted in this pass (each event once).
        var lateEvents: Int
        /// Windows that became final in this pass (rows marked).
        var finalized: Int
    }

    /// The latest event time loaded and when the last batch was loaded, read once per pass (in its snapshot).
    /// The latest event time counts no later than now: a writer with a bad clock (the loader refuses times
    /// more than an hour ahead; others may not) cannot make every window final at once.
    struct Clock {
        let latestEvent: String?
        let lastLoad: String?

        static func read(_ db: PostgresConnection) throws -> Clock {
            let result = try db.query(
                """
                select least((select max(created_at) from staging_purchases), now())::text,
                       (select committed_at from load_batches order by id desc limit 1)::text
                """)
            return Clock(
                latestEvent: try result.optionalValue(String.self, row: 0, column: 0),
                lastLoad: try result.optionalValue(String.self, row: 0, column: 1))
        }
    }

    func latenessSeconds(of model: RollupModel) -> Int {
        model.header.latenessMinutes.map { $0 * 60 } ?? defaultLatenessSeconds
    }

    /// Counts the pass's late events for the model (new rows, in `rollup_new_rows`, whose window had become
    /// final by the watermark of the model's previous pass, replayed dead letters aside), marks their windows
    /// and the replayed rows' windows corrected, moves the
    /// watermark and marks the windows that became final. Runs after the model's pass, in its transaction
    /// (which, with a `previous` watermark, holds the pass's `rollup_claimed` and `rollup_carried`).
    func apply(
        _ model: RollupModel, table: String, previous: String?, clock: Clock, newRows: Bool, wholeTable: Bool = false,
        _ db: PostgresConnection
    ) throws -> Outcome {
        let lateness = "\(latenessSeconds(of: model)) seconds"
        var late = 0
        if let previous, newRows {
            // Each event once: a row with a copy that sorts before it (loaded earlier, or in this pass) is
            // not a late event of its own.
            late = try db.query(
                """
                with arrived as (
                    select purchase_window_start(n.created_at, $2::interval, $4) as window_start,
                           n.loaded_at - n.created_at as lateness, n.loaded_at,
                           exists (select 1 from load_batches as b where b.id = n.load_batch_id and b.origin = 'replay')
                               as replayed
                    from pg_temp.rollup_new_rows as n
                    -- In a window that ended by the previous watermark; as a bound on created_at, so that its
                    -- index finds the few late rows among a pass's new ones.
                    where n.created_at < purchase_window_start($3::timestamptz, $2::interval, $4)
                      and not exists (
                          select 1 from staging_purchases as s
                          where s.created_at = n.created_at and s.purchase_id = n.purchase_id
                            and (s.kafka_topic, s.kafka_partition, s.kafka_offset)
                                < (n.kafka_topic, n.kafka_partition, n.kafka_offset)
                      )
                ),
                -- A replayed dead letter (`loader replay-dead-letters`) corrects its final window but is not a
                -- late event: it was refused on time by an older rule, not sent late.
                late as (select * from arrived where not replayed),
                counted as (
                    insert into rollup_late_events as r (
                        model, window_start, late_events, within_1m, within_5m, within_15m, within_1h, within_1d,
                        over_1d, max_lateness, last_arrived_at
                    )
                    select $1, window_start, count(*),
                           count(*) filter (where lateness <= interval '1 minute'),
                           count(*) filter (where lateness > interval '1 minute' and lateness <= interval '5 minutes'),
                           count(*) filter (where lateness > interval '5 minutes' and lateness <= interval '15 minutes'),
                           count(*) filter (where lateness > interval '15 minutes' and lateness <= interval '1 hour'),
                           count(*) filter (where lateness > interval '1 hour' and lateness <= interval '1 day'),
                           count(*) filter (where lateness > interval '1 day'),
                           max(lateness), max(loaded_at)
                    from late
                    group by window_start
                    on conflict (model, window_start) do update set
                        late_events = r.late_events + excluded.late_events,
                        within_1m = r.within_1m + excluded.within_1m, within_5m = r.within_5m + excluded.within_5m,
                        within_15m = r.within_15m + excluded.within_15m,
                        within_1h = r.within_1h + excluded.within_1h,
                        within_1d = r.within_1d + excluded.within_1d, over_1d = r.over_1d + excluded.over_1d,
                        max_lateness = greatest(r.max_lateness, excluded.max_lateness),
                        last_arrived_at = greatest(r.last_arrived_at, excluded.last_arrived_at)
                    returning r.window_start
                ),
                corrected as (
                    update \(table) set corrected_after_final = true
                    where not corrected_after_final and window_start in (select window_start from arrived)
                )
                select count(*) from late
                """, [model.name, model.window.interval, previous, model.window.zone]
            ).scalar(Int.self)
        }
        // The new watermark, the windows it finalizes, and its record, in one statement. With a previous
        // watermark, the windows to mark are found through the primary key: those that crossed the watermark
        // since (they start after previous - window), and the older ones this pass wrote (late events' new
        // rows), from the minutes it took; without one (the first pass), or after a rebuild, the whole table.
        // The bound on window_start is loose by a day so that it holds for calendar windows too.
        let candidates =
            previous == nil || wholeTable
            ? ""
            : """
            and (t.window_start > $2::timestamptz - $6::interval - interval '1 day'
                 or t.window_start in (
                     select purchase_window_start(minute, $6::interval, $7) from pg_temp.rollup_claimed
                     union
                     select purchase_window_start(minute, $6::interval, $7) from pg_temp.rollup_carried where model = $1
                 ))
            """
        let moved = try db.query(
            """
            with mark as (
                select greatest(
                    $2::timestamptz,
                    $3::timestamptz - $5::interval,
                    case when $4::timestamptz is null or now() - $4::timestamptz > $5::interval
                         then now() - $5::interval end
                ) as watermark
            ),
            finalized as (
                update \(table) as t set is_final = true from mark
                where not t.is_final and t.window_end <= mark.watermark
                \(candidates)
                returning 1
            ),
            recorded as (
                update rollup_models set watermark = (select watermark from mark) where name = $1
            )
            select watermark::text, (select count(*) from finalized) from mark
            """,
            [model.name, previous, clock.latestEvent, clock.lastLoad, lateness]
                + (candidates.isEmpty ? [] : [model.window.interval, model.window.zone]))
        let watermark = try moved.value(String.self, row: 0, column: 0)
        let finalized = try moved.value(Int.self, row: 0, column: 1)
        return Outcome(watermark: watermark, lateEvents: late, finalized: finalized)
    }

    /// Marks final the rows of the model's windows in `windows` (a timestamptz array literal) that ended by its
    /// recorded watermark: for rows a backfill wrote, which no pass would look at again.
    static func finalize(_ model: RollupModel, table: String, windows: String, _ db: PostgresConnection) throws {
        try db.query(
            """
            update \(table) set is_final = true
            where not is_final and window_start = any($2::timestamptz[])
              and window_end <= (select watermark from rollup_models where name = $1)
            """, [model.name, windows])
    }
}
