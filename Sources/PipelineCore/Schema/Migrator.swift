#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresClient

/// Applies `migrations/` to a database: pending files in version order, each in its own transaction,
/// recorded with an MD5 checksum, under an advisory lock so two migrators never race.
///
/// It refuses to do anything when an applied file changed or disappeared: the database would no longer be
/// what the files say, and guessing would be worse than stopping.
public struct Migrator {
    public var directory: String
    /// How long to wait for another migrator to finish. Default: 60 s.
    public var lockTimeoutMilliseconds: Int = 60_000
    let logger: Logger

    static let lockKey = "purchase-stream.migrate"

    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// Returns the files it applied (empty when the database was up to date).
    @discardableResult
    public func migrate(_ db: PostgresConnection) throws -> [MigrationFile] {
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
        let applied = try db.query("select version, name, checksum from schema_migrations order by version").rows
        var appliedVersions = Set<Int>()
        for row in applied {
            let version = Int(row[0]!)!
            appliedVersions.insert(version)
            guard let file = files.first(where: { $0.version == version }) else {
                throw PipelineError("migration \(row[1]!) was applied but is missing from \(directory)")
            }
            let checksum = try Self.checksum(of: file, db)
            guard checksum == row[2]! else {
                throw PipelineError(
                    "migration \(file.name) changed after it was applied (checksum \(checksum), recorded \(row[2]!)); "
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
                    throw PipelineError("migration \(file.name) failed: \(error)")
                }
                let elapsed = MonotonicClock.nowMilliseconds() - started
                try db.query(
                    "insert into schema_migrations (version, name, checksum, execution_ms) values ($1, $2, $3, $4)",
                    [String(file.version), file.name, checksum, String(elapsed)])
            }
            logger.info("applied migration \(file.name)", metadata: ["ms": "\(MonotonicClock.nowMilliseconds() - started)"])
            done.append(file)
        }
        if done.isEmpty { logger.info("schema is up to date", metadata: ["migrations": "\(files.count)"]) }
        return done
    }

    private func acquireLock(_ db: PostgresConnection) throws {
        let deadline = MonotonicClock.nowMilliseconds() + UInt64(lockTimeoutMilliseconds)
        var announced = false
        while true {
            if try db.query("select pg_try_advisory_lock(hashtext($1))", [Self.lockKey]).scalar == "t" { return }
            guard MonotonicClock.nowMilliseconds() < deadline else {
                throw PipelineError("another migrator still holds the migration lock after \(lockTimeoutMilliseconds) ms")
            }
            if !announced {
                logger.info("waiting for another migrator to finish")
                announced = true
            }
            usleep(200_000)
        }
    }

    /// MD5 of the file's text, computed by Postgres so there is exactly one definition of it.
    static func checksum(of file: MigrationFile, _ db: PostgresConnection) throws -> String {
        try db.query("select md5($1)", [file.sql]).scalar ?? ""
    }
}
