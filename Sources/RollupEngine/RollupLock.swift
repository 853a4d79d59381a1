import PostgresClient

/// The rollup's advisory lock: passes, rebuilds, backfills, verifications and summary retention take it, so
/// they never interleave, and two rollups never overlap.
package enum RollupLock {
    static let key = "purchase-stream.rollup"

    /// Takes the lock for the caller's transaction.
    package static func take(_ db: PostgresConnection) throws {
        try db.query("select pg_advisory_xact_lock(hashtext($1))", [key])
    }

    /// Takes the lock for the session, before a pass's snapshot is taken: under a transaction's lock alone, a
    /// repeatable read snapshot would date from before the wait, and miss what the previous pass committed.
    static func hold(_ db: PostgresConnection) throws {
        try db.query("select pg_advisory_lock(hashtext($1))", [key])
    }

    static func release(_ db: PostgresConnection) throws {
        try db.query("select pg_advisory_unlock(hashtext($1))", [key])
    }

    /// On an error path: a lost connection has lost the lock with it.
    static func releaseQuietly(_ db: PostgresConnection) { _ = try? release(db) }

    /// What every transaction that runs models starts with: the lock, and no JIT.
    static func beginModelWork(_ db: PostgresConnection) throws {
        try take(db)
        // These statements are short; Postgres' JIT, triggered by cost estimates over many partitions, spent
        // 4 s compiling a 100 ms pass when measured.
        try db.execute(script: "set local jit = off")
    }
}
