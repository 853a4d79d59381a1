import Logging
import PostgresClient
import ProcessSupport
import RollupEngine

/// The rollup's maintenance step for the staging table's daily partitions, so that they look after
/// themselves: days ahead are made (as the loader does, so a stopped loader never leaves tomorrow without a
/// partition), old days whose rows sit in the default partition get their own (their rows moved there, a
/// day per transaction), and, when retention is set, raw partitions every model has rolled up are dropped and
/// summary rows past their own retention deleted.
///
/// Every DDL step runs under a short `lock_timeout`: a lock it cannot get soon is given up, logged, and tried
/// again at the next step, so the loader never waits long behind it. Only days within the horizon (back from
/// today; ahead by `daysAhead`) are ever partitioned, so a bad clock's event times cannot make it create
/// thousands of partitions: their rows stay in the default partition, counted by `rollup status`.
struct PartitionMaintenance {
    struct Settings: Sendable, Equatable {
        /// Days after today that always have a partition.
        var daysAhead = 7
        /// Days before today whose rows in the default partition get a partition of their own.
        var horizonDays = 366
        /// Days drained per step, which bounds one step's work; the next step goes on.
        var drainDaysPerStep = 7
        /// Raw partitions of days older than this are dropped once every model has rolled them up; nil: kept.
        var rawRetentionDays: Int?
        /// Summary rows (and late-event counts) of windows that ended longer ago than this are deleted; nil:
        /// kept.
        var summaryRetentionDays: Int?
        /// How long a DDL statement waits for a lock before the step gives it up until next time.
        var lockTimeoutMilliseconds = 2_000
    }

    /// What one step did, for its log lines and the tests.
    struct Outcome: Sendable, Equatable {
        var partitionsCreated = 0
        /// Days given a partition, with the rows moved out of the default partition.
        var drained: [String: Int] = [:]
        var dropped: [String] = []
        var summaryRowsDeleted = 0
        /// Why raw retention did not drop what it would have, if it did not.
        var retentionWaiting: String?
        /// Steps given up because a lock was not granted within the timeout.
        var lockTimeouts = 0
    }

    let settings: Settings
    let models: ModelSet
    let logger: Logger

    func run(_ db: PostgresConnection) throws -> Outcome {
        var outcome = Outcome()
        outcome.partitionsCreated =
            try ddl(db, &outcome) {
                try $0.query(
                    "select ensure_staging_partitions(current_date_utc - 1, current_date_utc + $1::int) from \(Self.today)",
                    [String(settings.daysAhead)]
                ).scalar(Int.self)
            } ?? 0
        for day in try daysInDefault(db).prefix(settings.drainDaysPerStep) {
            let started = MonotonicClock.nowMilliseconds()
            guard
                let moved = try ddl(
                    db, &outcome, { try $0.query("select drain_staging_default($1::date)", [day]).scalar(Int.self) })
            else { continue }
            outcome.drained[day] = moved
            logger.info(
                "default partition drained",
                metadata: [
                    "day": "\(day)", LogKey.rows: "\(moved)",
                    LogKey.durationMilliseconds: "\(MonotonicClock.nowMilliseconds() - started)",
                ])
        }
        if let days = settings.rawRetentionDays { try retainRaw(days: days, db, &outcome) }
        if let days = settings.summaryRetentionDays { try retainSummaries(days: days, db, &outcome) }
        if outcome.partitionsCreated > 0 {
            logger.info("partitions created ahead", metadata: ["partitions": "\(outcome.partitionsCreated)"])
        }
        return outcome
    }

    /// Today in UTC as a one-row relation, `current_date_utc`.
    static let today = "(select (now() at time zone 'UTC')::date as current_date_utc) as today"

    /// Runs `body` in its own transaction under the lock timeout; nil (logged, counted) when a lock was not
    /// granted in time.
    private func ddl<T>(
        _ db: PostgresConnection, _ outcome: inout Outcome, _ body: (PostgresConnection) throws -> T
    ) throws -> T? {
        do {
            return try db.withTransaction { db in
                try db.query("select set_config('lock_timeout', $1, true)", ["\(settings.lockTimeoutMilliseconds)ms"])
                return try body(db)
            }
        } catch let error as PostgresError where error.sqlState == "55P03" {
            outcome.lockTimeouts += 1
            logger.warning(
                "partition maintenance gave up waiting for a lock; it tries again at its next step",
                metadata: [LogKey.error: "\(error.primaryMessage ?? error.message)"])
            return nil
        }
    }

    /// The UTC days within the horizon that have rows in the default partition, oldest first: one probe of
    /// its `created_at` index per day, not a scan of its rows.
    func daysInDefault(_ db: PostgresConnection) throws -> [String] {
        let result = try db.query(
            """
            with recursive bounds as (
                select (current_date_utc - $1::int)::timestamp at time zone 'UTC' as low,
                       (current_date_utc + $2::int + 1)::timestamp at time zone 'UTC' as high
                from \(Self.today)
            ),
            days (day) as (
                select (select date_trunc('day', min(created_at) at time zone 'UTC')::date
                        from staging_purchases_default, bounds
                        where created_at >= bounds.low and created_at < bounds.high)
                union all
                select (select date_trunc('day', min(d.created_at) at time zone 'UTC')::date
                        from staging_purchases_default as d, bounds
                        where d.created_at >= (days.day + 1)::timestamp at time zone 'UTC' and d.created_at < bounds.high)
                from days
                where days.day is not null
            )
            select day::text from days where day is not null
            """, [String(settings.horizonDays), String(settings.daysAhead)])
        return try (0..<result.rowCount).map { try result.value(String.self, row: $0, column: 0) }
    }

    /// Drops raw partitions older than the retention once every model has rolled them up: every model is at
    /// its current version (none waits for a rebuild from raw rows), none has minutes pending before the
    /// cutoff, and every model with finality has its watermark past it.
    private func retainRaw(days: Int, _ db: PostgresConnection, _ outcome: inout Outcome) throws {
        let (cutoff, due) = try Self.retentionDue(days: days, db)
        guard !due.isEmpty else { return }
        if let reason = try Self.notRolledUp(before: cutoff, models, db) {
            outcome.retentionWaiting = reason
            logger.info("raw retention waits", metadata: ["before": "\(cutoff)", "reason": "\(reason)"])
            return
        }
        guard
            let dropped = try ddl(
                db, &outcome,
                { db in
                    let result = try db.query("select drop_staging_partitions_before($1::date)", [cutoff])
                    return try (0..<result.rowCount).map { try result.value(String.self, row: $0, column: 0) }
                })
        else { return }
        outcome.dropped = dropped
        logger.info("raw partitions dropped", metadata: ["partitions": "\(dropped)", "before": "\(cutoff)"])
    }

    /// The staging table's daily partitions, as a relation `daily (relname, day)`: named
    /// `staging_purchases_YYYYMMDD` by `ensure_staging_partitions` and `drain_staging_default`.
    static let dailyPartitions = """
        (select c.relname, to_date(substring(c.relname from '(\\d{8})$'), 'YYYYMMDD') as day
         from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
         where i.inhparent = 'staging_purchases'::regclass and c.relname ~ '^staging_purchases_\\d{8}$') as daily
        """

    /// Raw retention's cutoff for `days` (a date: partitions of days before it go) and the partitions it
    /// would drop, oldest first.
    static func retentionDue(days: Int, _ db: PostgresConnection) throws -> (cutoff: String, due: [String]) {
        let cutoff = try db.query(
            "select (current_date_utc - $1::int)::text from \(today)", [String(days)]
        ).scalar(String.self)
        let due = try db.query(
            "select relname from \(dailyPartitions) where day < $1::date order by day", [cutoff])
        return (cutoff, try (0..<due.rowCount).map { try due.value(String.self, row: $0, column: 0) })
    }

    /// Why the raw rows before `cutoff` (a date) are not yet rolled up by every model, or nil when they are.
    static func notRolledUp(before cutoff: String, _ models: ModelSet, _ db: PostgresConnection) throws -> String? {
        if let broken = models.broken.first { return "model \(broken.model) is broken" }
        let versions = try RollupModel.versions(of: models.models, db)
        for model in models.models {
            let recorded = try db.query(
                "select version, watermark < $2::date::timestamp at time zone 'UTC' from rollup_models where name = $1",
                [model.name, cutoff])
            guard recorded.rowCount == 1, try recorded.value(String.self, row: 0, column: 0) == versions[model.name]
            else { return "model \(model.name) has not run at its current version" }
            if try recorded.optionalValue(Bool.self, row: 0, column: 1) ?? true {
                return "model \(model.name)'s watermark has not passed \(cutoff)"
            }
        }
        let pending = try db.query(
            """
            select exists (select 1 from rollup_pending where minute < $1::date::timestamp at time zone 'UTC')
                or exists (select 1 from ingest_ledger where minute < $1::date::timestamp at time zone 'UTC')
            """, [cutoff]
        ).scalar(Bool.self)
        return pending ? "minutes before \(cutoff) are still pending" : nil
    }

    /// Deletes summary rows (and late-event counts) of windows that ended before the summary retention.
    private func retainSummaries(days: Int, _ db: PostgresConnection, _ outcome: inout Outcome) throws {
        try db.withTransaction { db in
            try RollupLock.take(db)
            let schema = try ModelTable.schema(db)
            for model in models.models {
                outcome.summaryRowsDeleted += try db.query(
                    """
                    delete from \(ModelTable(schema: schema, name: model.name).qualified)
                    where window_end < now() - $1::int * interval '1 day'
                    """, [String(days)]
                ).affectedRows
            }
            try db.query(
                "delete from rollup_late_events where window_start < now() - $1::int * interval '1 day'", [String(days)]
            )
        }
        if outcome.summaryRowsDeleted > 0 {
            logger.info(
                "summary rows past retention deleted",
                metadata: [LogKey.rows: "\(outcome.summaryRowsDeleted)", "days": "\(days)"])
        }
    }
}
