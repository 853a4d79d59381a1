import Foundation
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Testing

@testable import Generator
@testable import Loader
@testable import Rollup
@testable import RollupEngine

@Suite(.serialized) struct MigrationTests {
    @Test func appliesOnceInOrderWithChecksums() throws {
        let db = try TestDatabase(migrate: false)
        let migrator = Migrator(directory: TestEnvironment.migrations, logger: TestEnvironment.logger)
        let files = try MigrationFile.load(from: TestEnvironment.migrations)
        let applied = try migrator.migrate(try db.connect())
        #expect(applied.map(\.version) == files.map(\.version))
        #expect(applied.map(\.version) == applied.map(\.version).sorted())
        #expect(applied.first?.version == 1)
        #expect(try migrator.migrate(try db.connect()).isEmpty)
        let checksum = try db.scalar("select checksum from schema_migrations where version = 1")
        #expect(checksum?.count == 32)
        #expect(
            try db.count(
                "select count(*) from pg_tables where tablename in ('staging_purchases', 'loader_offsets', 'dead_letters', 'purchase_summary', 'ingest_ledger')"
            ) == 5)
        // The staging table is partitioned by range with a default partition.
        #expect(
            try db.scalar("select partstrat from pg_partitioned_table where partrelid = 'staging_purchases'::regclass")
                == "r")
        #expect(try db.count("select count(*) from pg_inherits where inhparent = 'staging_purchases'::regclass") >= 38)
    }

    @Test func refusesAChangedOrMissingFile() throws {
        let db = try TestDatabase(migrate: false)
        let directory = try copyOfMigrations()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let migrator = Migrator(directory: directory, logger: TestEnvironment.logger)
        try migrator.migrate(try db.connect())

        let file = directory + "/V001__initial_schema.sql"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        try (original + "\n-- edited\n").write(toFile: file, atomically: true, encoding: .utf8)
        let changed = #expect(throws: PipelineError.self) { try migrator.migrate(try db.connect()) }
        #expect(changed?.code == .schemaDrift)
        #expect(changed?.message.contains("V001__initial_schema.sql changed after it was applied") == true)

        try FileManager.default.removeItem(atPath: file)
        let missing = #expect(throws: PipelineError.self) { try migrator.migrate(try db.connect()) }
        #expect(missing?.code == .schemaDrift)
        #expect(missing?.message.contains("missing") == true)
    }

    @Test func appliesANewFileAndRollsBackAFailingOne() throws {
        let db = try TestDatabase(migrate: false)
        let directory = try copyOfMigrations()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let migrator = Migrator(directory: directory, logger: TestEnvironment.logger)
        try migrator.migrate(try db.connect())
        try "create table broken_half (id int); select 1/0;".write(
            toFile: directory + "/V900__broken.sql", atomically: true, encoding: .utf8)
        let failed = #expect(throws: PipelineError.self) { try migrator.migrate(try db.connect()) }
        #expect(failed?.code == .migration)
        #expect(try db.scalar("select to_regclass('broken_half')::text") == nil)
        let files = try MigrationFile.load(from: TestEnvironment.migrations)
        #expect(try db.count("select count(*) from schema_migrations") == files.count)
        try "create table fixed (id int);".write(
            toFile: directory + "/V900__broken.sql", atomically: true, encoding: .utf8)
        #expect(try migrator.migrate(try db.connect()).map(\.name) == ["V900__broken.sql"])
    }

    @Test func parsesMigrationNames() {
        #expect(MigrationFile.version(of: "V001__initial_schema.sql") == 1)
        #expect(MigrationFile.version(of: "V12__x.sql") == 12)
        #expect(MigrationFile.version(of: "v1__x.sql") == nil)
        #expect(MigrationFile.version(of: "V1_x.sql") == nil)
        #expect(MigrationFile.version(of: "V__x.sql") == nil)
    }

    /// SIGTERM while another migrator holds the lock ends the wait at once, not at the lock timeout.
    @Test func aStopEndsTheWaitForTheLock() throws {
        let db = try TestDatabase(migrate: false)
        let holder = try db.connect()
        try holder.query("select pg_advisory_lock(hashtext($1))", [Migrator.lockKey])
        let stop = StopSignal()
        var migrator = Migrator(directory: TestEnvironment.migrations, logger: TestEnvironment.logger, stop: stop)
        migrator.lockTimeoutMilliseconds = 60_000
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            stop.stop()
        }
        stopper.start()
        let started = Date()
        let error = #expect(throws: PipelineError.self) { try migrator.migrate(try db.connect()) }
        #expect(error?.code == .stopped)
        #expect(Date().timeIntervalSince(started) < 30, "the wait ran to the lock timeout")
    }

    @Test func waitsForTheLockAndGivesUp() throws {
        let db = try TestDatabase(migrate: false)
        let holder = try db.connect()
        try holder.query("select pg_advisory_lock(hashtext($1))", [Migrator.lockKey])
        var migrator = Migrator(directory: TestEnvironment.migrations, logger: TestEnvironment.logger)
        migrator.lockTimeoutMilliseconds = 600
        let error = #expect(throws: PipelineError.self) { try migrator.migrate(try db.connect()) }
        #expect(error?.code == .lockTimeout)
        #expect(try db.count("select count(*) from pg_tables where tablename = 'staging_purchases'") == 0)
        try holder.query("select pg_advisory_unlock(hashtext($1))", [Migrator.lockKey])
        #expect(
            try migrator.migrate(try db.connect()).count
                == (try MigrationFile.load(from: TestEnvironment.migrations)).count)
    }

    @Test func theDashboardRoleCanOnlyRead() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        try connection.execute(script: "set role dashboard_reader")
        #expect(try connection.query("select count(*) from purchase_summary").scalar == "0")
        let refused = #expect(throws: PostgresError.self) {
            try connection.query("insert into purchase_summary values (now(), now(), 'DE', 1, 1, 1.00, now())")
        }
        #expect(refused?.sqlState == "42501")
        #expect(throws: PostgresError.self) { try connection.query("delete from staging_purchases") }
    }

    func copyOfMigrations() throws -> String {
        let directory = NSTemporaryDirectory() + "migrations-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: TestEnvironment.migrations, toPath: directory)
        return directory
    }
}
