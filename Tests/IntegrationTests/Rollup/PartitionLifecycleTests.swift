import Foundation
import PostgresClient
import PurchaseEvents
import Synchronization
import Testing

@testable import Rollup
@testable import RollupEngine

/// Staging partitions that look after themselves: made ahead by the rollup, made for old days whose rows sit
/// in the default partition (moving them, while a loader loads), never made for a bad clock's times, and
/// dropped only after every model rolled them up. Against a real Postgres.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PartitionLifecycleTests {
    func maintenance(
        _ db: TestDatabase, _ configure: (inout PartitionMaintenance.Settings) -> Void = { _ in }
    ) throws -> PartitionMaintenance.Outcome {
        var settings = PartitionMaintenance.Settings()
        configure(&settings)
        return try PartitionMaintenance(
            settings: settings, models: try RollupModel.load(from: TestEnvironment.sql), logger: TestEnvironment.logger
        ).run(try db.connect())
    }

    /// The UTC date `days` from today, as `YYYY-MM-DD`.
    func day(_ db: TestDatabase, _ days: Int) throws -> String {
        try #require(try db.scalar("select ((now() at time zone 'UTC')::date + $1::int)::text", [String(days)]))
    }

    /// The daily partitions, as `YYYYMMDD`.
    func partitions(_ db: TestDatabase) throws -> [String] {
        try db.connect().query(
            """
            select substring(c.relname from '(\\d{8})$') from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
            where i.inhparent = 'staging_purchases'::regclass and c.relname ~ '^staging_purchases_\\d{8}$' order by 1
            """
        ).rows.map { $0[0] ?? "" }
    }

    /// `count` purchases on `day` (YYYY-MM-DD), spread over its hours.
    func purchases(_ factory: inout PurchaseFactory, _ day: String, _ count: Int) -> [PurchaseEvent] {
        (0..<count).map { i in
            factory.purchase(
                at: "\(day)T\(String(format: "%02d:%02d:%02d", (i * 7) % 24, i % 60, (i * 13) % 60)).000Z",
                country: ["DE", "FR", "US"][i % 3])
        }
    }

    @Test func theRollupMakesTheNextDaysPartitionsWithoutALoader() throws {
        let db = try TestDatabase()
        // The migration made 30 days ahead; keep two, as if no loader had run for weeks.
        for ahead in 3...30 {
            try db.connect().execute(
                script: "drop table staging_purchases_\(try day(db, ahead).replacing("-", with: ""))")
        }
        let outcome = try maintenance(db)
        #expect(outcome.partitionsCreated == 5)
        #expect(try partitions(db).last == (try day(db, 7)).replacing("-", with: ""))
        let health = try PartitionHealth.read(
            PartitionMaintenance.Settings(), try RollupModel.load(from: TestEnvironment.sql), try db.connect())
        #expect(health.daysAhead == 7)
        #expect(try maintenance(db).partitionsCreated == 0)
    }

    @Test func rowsInTheDefaultPartitionMoveToTheirOwnDayWhileALoaderLoads() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        // A backfill of last month: no partitions that far back, so the rows land in the default partition.
        let old = [try day(db, -20), try day(db, -19)]
        let backfill = purchases(&factory, old[0], 300) + purchases(&factory, old[1], 200)
        try loader.load(
            id: 1, backfill.enumerated().map { ($1, partition: 0, offset: Int64($0)) }, into: try db.connect())
        #expect(try db.count("select count(*) from staging_purchases_default") == 500)
        try rollup(db)
        let before = try ModelTests().allMismatches(db)
        #expect(before == [0, 0, 0, 0])

        // A loader keeps loading today's events meanwhile, batch after batch.
        let today = try day(db, 0)
        let stop = Atomic<Bool>(false)
        let loaded = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
        let live = Thread {
            do {
                let connection = try db.connect()
                var liveFactory = PurchaseFactory(simulator: PurchaseSimulator(seed: 99))
                var id: Int64 = 2
                while !stop.load(ordering: .relaxed) {
                    let events = (0..<50).map { i in
                        liveFactory.purchase(at: "\(today)T00:00:\(String(format: "%02d", i % 60)).000Z")
                    }
                    let offset = Int64(loaded.load(ordering: .relaxed))
                    try loader.load(
                        id: id, events.enumerated().map { ($1, partition: 1, offset: offset + Int64($0)) },
                        into: connection, expected: offset == 0 ? [:] : [1: offset])
                    loaded.add(50, ordering: .relaxed)
                    id += 1
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        live.start()
        while loaded.load(ordering: .relaxed) < 200 { Thread.sleep(forTimeInterval: 0.01) }
        let outcome = try maintenance(db)
        Thread.sleep(forTimeInterval: 0.2)
        stop.store(true, ordering: .relaxed)
        while !live.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        #expect(failure.withLock { $0 } == nil)

        #expect(outcome.drained == [old[0]: 300, old[1]: 200])
        #expect(outcome.lockTimeouts == 0)
        #expect(try db.count("select count(*) from staging_purchases_default") == 0)
        #expect(try partitions(db).contains(old[0].replacing("-", with: "")))
        #expect(
            try db.count("select count(*) from staging_purchases where created_at < now() - interval '7 days'") == 500)
        #expect(
            try db.count("select count(*) from staging_purchases where load_batch_id > 1")
                == loaded.load(ordering: .relaxed))
        // Moving rows changes no total; a pass rolls up what the loader added.
        try rollup(db)
        #expect(try ModelTests().allMismatches(db) == [0, 0, 0, 0])
        #expect(try maintenance(db).drained.isEmpty)
    }

    @Test func aBadClockMakesNoPartitionStorm() throws {
        let db = try TestDatabase()
        let before = try partitions(db)
        var factory = PurchaseFactory()
        // Decades away either side (the loader refuses times more than an hour ahead, but another writer may not).
        try DirectLoader().load(
            id: 1,
            [
                (factory.purchase(at: "2001-03-04T05:06:07Z"), partition: 0, offset: 0),
                (factory.purchase(at: "2099-12-31T23:59:59Z"), partition: 0, offset: 1),
            ], into: try db.connect())
        let outcome = try maintenance(db)
        #expect(outcome.drained.isEmpty && outcome.partitionsCreated == 0)
        #expect(try partitions(db) == before)
        let health = try PartitionHealth.read(
            PartitionMaintenance.Settings(), try RollupModel.load(from: TestEnvironment.sql), try db.connect())
        #expect(health.defaultPartitionRows == 2)
        #expect(health.defaultPartitionOldest == "2001-03-04T05:06:07Z")
        #expect(health.defaultPartitionNewest == "2099-12-31T23:59:59Z")
        // Nor does the far-future time move the watermark past now, which would make every window final.
        try rollup(db)
        #expect(try db.scalar("select bool_and(watermark <= now()) from rollup_models") == "t")
    }

    @Test func retentionDropsOnlyWhatEveryModelHasRolledUp() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        let days = [try day(db, -6), try day(db, -5), try day(db, 0)]
        let events = days.flatMap { purchases(&factory, $0, 100) }
        try loader.load(
            id: 1, events.enumerated().map { ($1, partition: 0, offset: Int64($0)) }, into: try db.connect())
        let retain = { (settings: inout PartitionMaintenance.Settings) in settings.rawRetentionDays = 5 }

        // Not rolled up yet: nothing goes.
        var outcome = try maintenance(db, retain)
        #expect(outcome.dropped.isEmpty)
        #expect(outcome.retentionWaiting?.contains("has not run at its current version") == true)
        try rollup(db)

        // A late event for day -6 waits in the ledger: still nothing goes.
        try loader.load(
            id: 2, [(factory.purchase(at: "\(days[0])T12:00:00Z"), partition: 0, offset: 300)], into: try db.connect(),
            expected: [0: 300])
        outcome = try maintenance(db, retain)
        #expect(outcome.dropped.isEmpty)
        #expect(outcome.retentionWaiting?.contains("pending") == true)
        #expect(try db.count("select count(*) from staging_purchases") == 301)

        // Rolled up: the partitions before day -5 go, the summaries stay.
        try rollup(db)
        let summaryBefore = try db.connect().query("select * from purchase_summary_daily order by 1, 3").rows
        outcome = try maintenance(db, retain)
        #expect(
            outcome.dropped == (try [-7, -6].map { "staging_purchases_" + (try day(db, $0)).replacing("-", with: "") }))
        #expect(try db.count("select count(*) from staging_purchases") == 200)
        #expect(try db.connect().query("select * from purchase_summary_daily order by 1, 3").rows == summaryBefore)

        // A changed model rebuilt afterwards keeps the rows it has no raw rows for, and verify finds no
        // difference: the range it checks starts where the raw history does.
        let models = try ModelTests.ModelDirectory(ModelTests.shipped)
        try models.edit("purchase_summary.sql") {
            $0.replacing("count(*) as purchase_count", with: "count(*) + 0 as purchase_count")
        }
        let pass = try models.pass(db)
        #expect(pass.recomputed.contains("purchase_summary_daily"))
        #expect(try db.count("select count(distinct window_start) from purchase_summary_daily") == 3)
        let verify = try RangeRecompute(
            models: try RollupModel.load(from: models.path).models, from: "-infinity", to: "infinity",
            logger: TestEnvironment.logger
        ).verify(try db.connect())
        #expect(verify.differences.isEmpty, "\(verify.differences)")

        // Summary retention, on its own: windows that ended more than 3 days ago go.
        outcome = try maintenance(db) { $0.summaryRetentionDays = 3 }
        #expect(outcome.summaryRowsDeleted > 0)
        #expect(try db.count("select count(distinct window_start) from purchase_summary_daily") == 1)
    }
}
