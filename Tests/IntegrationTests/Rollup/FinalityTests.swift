import Foundation
import PostgresClient
import PurchaseEvents
import Testing

@testable import Rollup
@testable import RollupEngine

/// Windows become final at the watermark (and by wall clock once input stops); late events still correct
/// them and are counted. Against a real Postgres, loaded as the loader loads.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FinalityTests {
    /// One purchase 30 s into each minute `first..<first + count` of `day` (an ISO date and hour prefix such
    /// as `2026-11-24T10`), on partition 0 from `offset`.
    func minutes(
        _ factory: inout PurchaseFactory, _ prefix: String, _ range: Range<Int>, offset: Int64
    ) -> [(PurchaseEvent, partition: Int32, offset: Int64)] {
        range.enumerated().map { index, minute in
            (
                factory.purchase(
                    at: "\(prefix):\(String(format: "%02d", minute)):30Z", country: ["DE", "FR"][minute % 2]),
                partition: 0, offset: offset + Int64(index)
            )
        }
    }

    /// The final windows of a table, as `HH24:MI` (UTC).
    func finalWindows(_ db: TestDatabase, _ table: String = "purchase_summary") throws -> [String] {
        try db.connect().query(
            "select distinct to_char(window_start at time zone 'UTC', 'HH24:MI') from \(table) where is_final order by 1"
        ).rows.map { $0[0] ?? "" }
    }

    @Test func windowsBecomeFinalAtTheWatermarkAndARebuildKeepsThem() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        let models = try ModelTests.ModelDirectory(ModelTests.shipped)
        try loader.load(id: 1, minutes(&factory, "2026-11-24T10", 0..<10, offset: 0), into: try db.connect())
        // New models are built aside; their windows become final right after the switch.
        var pass = try models.pass(db)
        #expect(pass.recomputed.count == 4)
        #expect(try finalWindows(db) == ["10:00", "10:01", "10:02", "10:03"])
        #expect(
            try db.scalar(
                "select watermark = '2026-11-24T10:04:30Z' from rollup_models where name = 'purchase_summary'")
                == "t")
        #expect(try finalWindows(db, "purchase_summary_hourly").isEmpty)

        // Later events move the watermark: 10:20:30 - 5 minutes.
        try loader.load(
            id: 2, minutes(&factory, "2026-11-24T10", 20..<21, offset: 10), into: try db.connect(), expected: [0: 10])
        pass = try models.pass(db)
        #expect(pass.recomputed.isEmpty)
        #expect(try finalWindows(db) == (0..<10).map { String(format: "10:%02d", $0) })
        #expect(
            try db.count(
                "select count(*) from purchase_summary where window_start = '2026-11-24T10:20:00Z' and is_final") == 0)

        // A model's own lateness, from its header: it says when, not what, so nothing is recomputed.
        try models.edit("purchase_summary_by_category.sql") {
            $0.replacing("-- window: 1 minute\n", with: "-- window: 1 minute\n-- lateness: 15 minutes\n")
        }
        // (A watermark never moves back: start this model's over to see the new lateness at work.)
        try db.connect().execute(
            script: """
                update purchase_summary_by_category set is_final = false;
                update rollup_models set watermark = null where name = 'purchase_summary_by_category'
                """)
        pass = try models.pass(db)
        #expect(pass.recomputed.isEmpty)
        #expect(try finalWindows(db, "purchase_summary_by_category") == (0..<5).map { String(format: "10:%02d", $0) })

        // A changed model is rebuilt aside and switched: its final windows stay final.
        try models.edit("purchase_summary.sql") {
            $0.replacing("count(*) as purchase_count", with: "count(*) + 0 as purchase_count")
        }
        pass = try models.pass(db)
        #expect(pass.recomputed.contains("purchase_summary"))
        #expect(try finalWindows(db) == (0..<10).map { String(format: "10:%02d", $0) })
        #expect(try ModelTests().allMismatches(db) == [0, 0, 0, 0])
    }

    @Test func windowsBecomeFinalByWallClockWhenInputStops() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        try DirectLoader().load(id: 1, minutes(&factory, "2026-11-24T10", 0..<10, offset: 0), into: try db.connect())
        try rollup(db)
        #expect(try finalWindows(db).count == 4)
        // Nothing loaded for longer than the allowed lateness: the wall clock takes over, so the last windows
        // (and the hour and the day, long past) close too.
        try db.connect().execute(script: "update load_batches set committed_at = now() - interval '6 minutes'")
        let pass = try rollup(db)
        #expect(pass.minutesClaimed == 0)
        #expect(try finalWindows(db).count == 10)
        #expect(try finalWindows(db, "purchase_summary_hourly") == ["10:00"])
        #expect(try finalWindows(db, "purchase_summary_daily") == ["00:00"])

        // A backfill's rows in final windows are final too (no pass would look at those windows again).
        try db.connect().execute(script: "delete from purchase_summary where window_start = '2026-11-24T10:02:00Z'")
        let summary = try RollupModel.load(from: TestEnvironment.sql).models.filter { $0.name == "purchase_summary" }
        #expect(
            try RangeRecompute(
                models: summary, from: "2026-11-24T10:00:00Z", to: "2026-11-24T11:00:00Z",
                logger: TestEnvironment.logger
            ).backfill(try db.connect()) == 1)
        #expect(try finalWindows(db).count == 10)
    }

    @Test func aLateEventCorrectsItsFinalWindowAndIsCountedWithItsLateness() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        // Event times 40 minutes ago, so that lateness (loaded_at - created_at) falls in the (15 min, 1 h] bucket.
        let prefix = try #require(
            try db.scalar(
                "select to_char(date_trunc('hour', now() at time zone 'UTC' - interval '40 minutes'), 'YYYY-MM-DD\"T\"HH24')"
            ))
        let base = try #require(
            try db.scalar(
                "select extract(minute from now() at time zone 'UTC' - interval '40 minutes')::int"
            ).flatMap { Int($0) })
        // Whole minutes inside the hour, so the prefix stays right.
        let start = min(base, 45)
        let first = minutes(&factory, prefix, start..<(start + 10), offset: 0)
        try loader.load(id: 1, first, into: try db.connect())
        try rollup(db)
        let finalBefore = try finalWindows(db)
        #expect(finalBefore.count == 4)

        // In one batch: a late event in the second window (final), a copy of it, a copy of an old event, and
        // an on-time event. Only the first counts as a late event.
        let late = factory.purchase(at: "\(prefix):\(String(format: "%02d", start + 1)):10Z", country: "JP")
        try loader.load(
            id: 2,
            [
                (late, partition: 0, offset: 10), (late, partition: 1, offset: 0),
                (first[2].0, partition: 2, offset: 0),
                (factory.purchase(at: "\(prefix):\(String(format: "%02d", start + 9)):50Z"), partition: 0, offset: 11),
            ], into: try db.connect(), expected: [0: 10])
        let pass = try rollup(db)
        #expect(pass.lateEvents == ["purchase_summary": 1, "purchase_summary_by_category": 1])
        #expect(try ModelTests().allMismatches(db) == [0, 0, 0, 0])
        let window = "\(prefix):\(String(format: "%02d", start + 1)):00Z"
        #expect(
            try db.connect().query(
                """
                select late_events::text, within_1h::text,
                       (max_lateness > interval '30 minutes' and max_lateness < interval '1 hour')::text
                from rollup_late_events where model = 'purchase_summary' and window_start = $1
                """, [window]
            ).rows == [["1", "1", "true"]])
        #expect(try db.count("select count(*) from rollup_late_events where model = 'purchase_summary'") == 1)
        // The corrected window's rows say so (JP is new in it, and final at once); the others do not.
        let original = ["DE", "FR"][(start + 1) % 2]
        #expect(
            try db.connect().query(
                "select country, is_final::text from purchase_summary where corrected_after_final order by country"
            ).rows == [[original, "true"], ["JP", "true"]])
        #expect(
            try db.count("select count(distinct window_start) from purchase_summary where corrected_after_final") == 1)

        let statuses = try ModelStatus.read(try RollupModel.load(from: TestEnvironment.sql), try db.connect())
        let summary = try #require(statuses.first { $0.name == "purchase_summary" })
        #expect(summary.lateEvents == 1 && summary.windowsCorrectedAfterFinal == 1)
        #expect(summary.watermark != nil && summary.latestFinalWindow != nil)
    }
}
