import Logging
import PostgresClient
import ProcessSupport

/// Applies `migrations/` to a database: pending files in version order, each in its own transaction,
/// recorded with an MD5 checksum, under an advisory lock so two migrators never race.
///
/// It refuses to do anything when an applied file changed or disappeared: the database would no longer be
/// what the files say, and guessing would be worse than stopping.
struct Migrator {
    var directory: String
    /// How long to wait for another migrator to finish. Default: 60 s.
    var lockTimeoutMilliseconds: Int = 60_000
    let logger: Logger
    /// Ends the wait for another migrator's lock early (SIGTERM).
    let stop: StopSignal

    static let lockKey = "purchase-stream.migrate"

    init(directory: String, logger: Logger, stop: StopSignal = StopSignal()) {
        self.directory = directory
        self.logger = logger
        self.stop = stop
    }

    /// Returns the files it applied (empty when the database was up to date).
    @discardableResult
    func migrate(_ db: PostgresConnection) throws -> [MigrationFile] {
        let files = try MigrationFile.load(from: directory)
        try acquireLock(db)
        defer { _ = try? db.query("select pg_advisory_unlock(hashtext($1))", [Self.lockKey]) }

        try db.execute(
            script: """
                create table if not exists schema_migrations (
                    version integer primary key,
                    name text not null,
                    checksum text not null,
                    applied_at timestamptz not null default now(),
                    execution_ms integer not null
                )
                """)
        let applied = try db.query("select version, name, checksum from schema_migrations order by version")
        var appliedVersions = Set<Int>()
        for row in 0..<applied.rowCount {
            let version = try applied.value(Int.self, row: row, column: 0)
            let name = try applied.value(String.self, row: row, column: 1)
            let recorded = try applied.value(String.self, row: row, column: 2)
            appliedVersions.insert(version)
            guard let file = files.first(where: { $0.version == version }) else {
                throw PipelineError(.schemaDrift, "migration \(name) was applied but is missing from \(directory)")
            }
            let checksum = try Self.checksum(of: file, db)
            guard checksum == recorded else {
                throw PipelineError(
                    .schemaDrift,
                    "migration \(file.name) changed after it was applied (checksum \(checksum), recorded \(recorded)); "
                        + "restore it and put the change in a new migration")
            }
        }
        var done: [MigrationFile] = []
        for file in files where !appliedVersions.contains(file.version) {
            let started = MonotonicClock.nowMilliseconds()
            let checksum = try Self.checksum(of: file, db)
            try db.withTransaction { db in
                do {
                    try db.execute(script: file.sql)
                } catch {
                    throw PipelineError(.migration, "migration \(file.name) failed: \(error)")
                }
                let elapsed = MonotonicClock.nowMilliseconds() - started
                try db.query(
                    "insert into schema_migrations (version, name, checksum, execution_ms) values ($1, $2, $3, $4)",
                    [String(file.version), file.name, checksum, String(elapsed)])
            }
            logger.info(
                "applied migration",
                metadata: [
                    LogKey.migration: "\(file.name)",
                    LogKey.durationMilliseconds: "\(MonotonicClock.nowMilliseconds() - started)",
                ])
            done.append(file)
        }
        if done.isEmpty { logger.info("schema is up to date", metadata: ["migrations": "\(files.count)"]) }
        return done
    }

    private func acquireLock(_ db: PostgresConnection) throws {
        let deadline = MonotonicClock.nowMilliseconds() + UInt64(lockTimeoutMilliseconds)
        var announced = false
        while true {
            if try db.query("select pg_try_advisory_lock(hashtext($1))", [Self.lockKey]).scalar(Bool.self) { return }
            guard MonotonicClock.nowMilliseconds() < deadline else {
                throw PipelineError(
                    .lockTimeout, "another migrator still holds the migration lock after \(lockTimeoutMilliseconds) ms")
            }
            if !announced {
                logger.info("waiting for another migrator to finish")
                announced = true
            }
            guard stop.wait(milliseconds: 200) else {
                throw PipelineError(.stopped, "stopped while waiting for another migrator")
            }
        }
    }

    /// MD5 of the file's text, computed by Postgres so there is exactly one definition of it.
    static func checksum(of file: MigrationFile, _ db: PostgresConnection) throws -> String {
        try db.query("select md5($1)", [file.sql]).scalar(String.self)
    }
}
