import Logging
import PostgresClient
import ProcessSupport

/// One rollup pass: claim the ingest ledger, recompute the touched windows with every model, commit.
///
/// The pass is one transaction under an advisory lock, so two rollups never overlap and a failed pass
/// leaves the ledger as it was. Claiming is `delete ... returning` on the ledger: it takes exactly the rows
/// this transaction can see, and rows of load batches that commit later (whatever their batch id) stay for
/// the next pass. No high-water mark is kept, so out-of-order loader commits cannot be skipped.
struct RollupRunner {
    /// The window size, as a Postgres interval. Default: 1 minute.
    var windowSize = "1 minute"
    /// Recompute every window that has raw rows, not only the touched ones (after changing a model).
    var full = false
    let models: [RollupModel]
    let logger: Logger

    static let lockKey = "purchase-stream.rollup"

    /// The minutes that hold raw rows, found by skipping through the created_at index one minute at a time
    /// (one probe per minute with rows) instead of reading every row to group them.
    static let everyMinuteWithRows = """
        insert into rollup_touched
        with recursive minutes (minute) as (
            select purchase_window_start(min(created_at), '1 minute') from staging_purchases
            union all
            select (
                select purchase_window_start(min(p.created_at), '1 minute')
                from staging_purchases as p
                where p.created_at >= minutes.minute + interval '1 minute'
            )
            from minutes
            where minutes.minute is not null
        )
        select minute from minutes where minute is not null
        on conflict do nothing
        """

    init(models: [RollupModel], logger: Logger) {
        self.models = models
        self.logger = logger
    }

    /// What one pass did, for its log line and the tests.
    struct PassResult: Sendable, Equatable {
        var minutesClaimed = 0
        var rowsUpserted = 0
        var milliseconds: UInt64 = 0
    }

    /// `name:md5 ...` of the models, recorded with every pass; the models are fixed for the runner's life,
    /// so this is asked of Postgres (one definition of MD5, as for migrations) once, not on every pass.
    private var checksums: String?

    private mutating func modelChecksums(_ db: PostgresConnection) throws -> String {
        if let checksums { return checksums }
        var parts: [String] = []
        for model in models {
            parts.append("\(model.name):\(try db.query("select md5($1)", [model.sql]).scalar(String.self))")
        }
        let value = parts.joined(separator: " ")
        checksums = value
        return value
    }

    @discardableResult
    mutating func runPass(_ db: PostgresConnection) throws -> PassResult {
        let started = MonotonicClock.nowMilliseconds()
        var result = PassResult()
        try db.withTransaction { db in
            try db.query("select pg_advisory_xact_lock(hashtext($1))", [Self.lockKey])
            // These statements are short; Postgres' JIT, triggered by cost estimates over many partitions,
            // spent 4 s compiling a 100 ms pass when measured.
            try db.execute(script: "set local jit = off")
            let startedAt = try db.query("select clock_timestamp()").scalar(String.self)
            try db.execute(
                script: """
                    create temporary table rollup_touched (minute timestamptz primary key) on commit drop;
                    create temporary table rollup_claimed (load_batch_id bigint, minute timestamptz) on commit drop;
                    with claimed as (delete from ingest_ledger returning load_batch_id, minute)
                    insert into rollup_claimed select load_batch_id, minute from claimed
                    """)
            result.minutesClaimed = try db.query(
                "insert into rollup_touched select distinct minute from rollup_claimed"
            ).affectedRows
            if full {
                result.minutesClaimed = try db.query(Self.everyMinuteWithRows).affectedRows + result.minutesClaimed
            }
            if result.minutesClaimed > 0 {
                // The models join on this table; without statistics the planner guesses thousands of rows.
                try db.execute(script: "analyze rollup_touched")
                for model in models {
                    do {
                        result.rowsUpserted += try db.query(model.sql, model.takesWindowSize ? [windowSize] : [])
                            .affectedRows
                    } catch let error as PostgresError where error.isOutage {
                        throw error  // not the model's fault: the caller waits for Postgres and retries
                    } catch {
                        throw PipelineError(.model, "rollup model \(model.name) failed: \(error)")
                    }
                }
            }
            let checksums = try modelChecksums(db)
            try db.query(
                """
                insert into rollup_runs (started_at, minutes_claimed, rows_upserted, window_size, sql_checksums, load_batches)
                values ($1, $2, $3, $4::interval, $5,
                        (select coalesce(array_agg(distinct load_batch_id), '{}') from rollup_claimed))
                """,
                [startedAt, String(result.minutesClaimed), String(result.rowsUpserted), windowSize, checksums])
        }
        result.milliseconds = MonotonicClock.nowMilliseconds() - started
        logger.info(
            "rollup pass done",
            metadata: [
                "minutes": "\(result.minutesClaimed)", "rows_upserted": "\(result.rowsUpserted)",
                LogKey.durationMilliseconds: "\(result.milliseconds)",
            ])
        return result
    }
}
