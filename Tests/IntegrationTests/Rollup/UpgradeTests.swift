import Foundation
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Testing

@testable import Rollup
@testable import RollupEngine

/// A database loaded by the previous release upgrades in place. Its shipped models now keep the currency in
/// their keys, a change of meaning, so the first pass rebuilds them from the history. Models whose meaning
/// did not change (here the previous meaning in the new format, `Fixtures/WithoutCurrency`) are adopted
/// without a rebuild, their rows survive, and `rollup verify` stays clean; an analyst's edited model is
/// rebuilt instead.
@Suite(.serialized, .timeLimit(.minutes(5))) struct UpgradeTests {
    static let fixtures = TestEnvironment.packageRoot + "/Tests/IntegrationTests/Fixtures/PreviousRelease"
    /// The previous release's models in the new format, without the currency in their keys.
    static let withoutCurrency = TestEnvironment.packageRoot + "/Tests/IntegrationTests/Fixtures/WithoutCurrency"
    /// The previous release's models in pass order, with their windows in minutes and sources.
    static let previous: [(name: String, minutes: Int, source: String?)] = [
        ("purchase_summary", 1, nil), ("purchase_summary_by_category", 1, nil),
        ("purchase_summary_hourly", 60, "purchase_summary"),
        ("purchase_summary_daily", 1_440, "purchase_summary_hourly"),
    ]

    /// The previous release's migrations (V001 to V015) applied, then its models run as it ran them: each
    /// file's statement over every minute with rows (`rollup_touched`, `$1` its window), its version recorded
    /// as it computed it (the MD5 of its header's canonical line and its statement's meaning).
    func databaseOfThePreviousRelease() throws -> TestDatabase {
        let db = try TestDatabase(migrate: false)
        let directory = NSTemporaryDirectory() + "migrations-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in try FileManager.default.contentsOfDirectory(atPath: TestEnvironment.migrations)
        where file < "V016" {
            try FileManager.default.copyItem(
                atPath: TestEnvironment.migrations + "/" + file, toPath: directory + "/" + file)
        }
        try Migrator(directory: directory, logger: TestEnvironment.logger).migrate(try db.connect())
        try ModelTests().load(db, id: 1, offset: 0, count: 2_000)
        let connection = try db.connect()
        try connection.withTransaction { db in
            try db.execute(
                script: """
                    create temporary table rollup_touched (minute timestamptz primary key) on commit drop;
                    insert into rollup_touched select distinct minute from ingest_ledger;
                    delete from ingest_ledger;
                    """)
            for model in Self.previous {
                let sql = try String(contentsOfFile: "\(Self.fixtures)/\(model.name).sql", encoding: .utf8)
                try db.query(sql, ["\(model.minutes) minutes"])
                let canonical =
                    "table=\(model.name);key=window_start,\(model.name.hasSuffix("category") ? "category" : "country");window=\(model.minutes);from=\(model.source ?? "")"
                try db.query(
                    """
                    insert into rollup_models (name, version, table_name, window_minutes, source, definition, last_run_at, watermark)
                    values ($1, md5($2), $1, $3, $4, $5, now(), '2026-11-25T01:00:00Z')
                    """, [model.name, canonical + "\n" + SQLMeaning.of(sql), String(model.minutes), model.source, sql])
                try db.execute(
                    script:
                        "update \(model.name) set is_final = true where window_start + interval '\(model.minutes) minutes' <= '2026-11-25T01:00:00Z'"
                )
            }
        }
        return db
    }

    @Test func theShippedModelsAreRebuiltWithTheCurrencyInTheirKeys() throws {
        let db = try databaseOfThePreviousRelease()
        let purchases = try db.count("select count(*) from purchase_events")
        try Migrator(directory: TestEnvironment.migrations, logger: TestEnvironment.logger).migrate(try db.connect())
        let pass = try rollup(db)
        #expect(pass.adopted.isEmpty)
        #expect(Set(pass.recomputed) == Set(Self.previous.map(\.name)))
        #expect(try ModelTests().allMismatches(db) == [0, 0, 0, 0])
        #expect(try db.count("select sum(purchase_count) from purchase_summary_daily") == purchases)
        let set = try RollupModel.load(from: TestEnvironment.sql)
        #expect(
            try RangeRecompute(models: set.models, from: "-infinity", to: "infinity", logger: TestEnvironment.logger)
                .verify(try db.connect()).differences.isEmpty)
        // The amounts are numeric of any scale now, in the raw table and the summaries alike.
        #expect(
            try db.scalar(
                """
                select string_agg(distinct format_type(atttypid, atttypmod), ',') from pg_attribute
                where attname in ('unit_price', 'amount', 'total_amount') and attnum > 0
                  and attrelid in ('staging_purchases'::regclass, 'purchase_summary'::regclass,
                                   'purchase_summary_daily'::regclass)
                """) == "numeric")
    }

    @Test func aDatabaseOfThePreviousReleaseIsAdoptedWithoutARebuild() throws {
        let db = try databaseOfThePreviousRelease()
        // What the previous release recorded is what the engine recognises as that release's files.
        let recorded = try db.connect().query("select name, version from rollup_models order by name").rows
        #expect(
            recorded.map { [$0[0]!: $0[1]!] }
                == PreviousRelease.versions.sorted { $0.key < $1.key }.map { [$0.key: $0.value] })
        let tables = Self.previous.map(\.name)
        func rows() throws -> [[[String?]]] {
            // Finality moves on with the watermark; the rows' values and updated_at must not.
            try tables.map {
                try db.connect().query("select (to_jsonb(t) - 'is_final')::text from \($0) as t order by 1").rows
            }
        }
        let before = try rows()
        #expect(before.allSatisfy { !$0.isEmpty })

        try Migrator(directory: TestEnvironment.migrations, logger: TestEnvironment.logger).migrate(try db.connect())
        let pass = try rollup(db, sql: Self.withoutCurrency)
        #expect(Set(pass.adopted) == Set(tables))
        #expect(pass.recomputed.isEmpty)
        #expect(try rows() == before)
        #expect(try ModelTests().allMismatches(db, currency: false) == [0, 0, 0, 0])
        let set = try RollupModel.load(from: Self.withoutCurrency)
        #expect(
            try RangeRecompute(models: set.models, from: "-infinity", to: "infinity", logger: TestEnvironment.logger)
                .verify(try db.connect()).differences.isEmpty)

        // New events: the adopted tables are maintained as the engine's own (the amounts cast exactly into
        // their numeric(18,2) columns), and stay equal to an independent group by.
        try ModelTests().load(db, id: 2, offset: 2_118, count: 300)
        let next = try rollup(db, sql: Self.withoutCurrency)
        #expect(next.adopted.isEmpty && next.recomputed.isEmpty)
        #expect((next.addedMinutes["purchase_summary"] ?? 0) > 0)
        #expect(try ModelTests().allMismatches(db, currency: false) == [0, 0, 0, 0])
        #expect(
            try db.scalar(
                "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'purchase_summary'::regclass and attname = 'total_amount'"
            ) == "numeric(18,2)")
    }

    @Test func anEditedModelOfThePreviousReleaseIsRebuilt() throws {
        let db = try databaseOfThePreviousRelease()
        // An analyst had edited the daily model: its recorded version is not the shipped file's.
        try db.connect().execute(
            script: "update rollup_models set version = md5('edited') where name = 'purchase_summary_daily'")
        try Migrator(directory: TestEnvironment.migrations, logger: TestEnvironment.logger).migrate(try db.connect())
        let pass = try rollup(db, sql: Self.withoutCurrency)
        #expect(Set(pass.adopted) == ["purchase_summary", "purchase_summary_by_category", "purchase_summary_hourly"])
        #expect(pass.recomputed == ["purchase_summary_daily"])
        #expect(try ModelTests().allMismatches(db, currency: false) == [0, 0, 0, 0])
    }
}
