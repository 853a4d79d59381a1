import Foundation
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Synchronization
import Testing

@testable import Rollup

/// Analysts' models: several tables, per-model windows, derived models, versions that follow meaning, and a
/// broken model that harms nobody else. Against a real Postgres, with model directories made per test.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ModelTests {
    /// A copy of some of `sql/`'s files in a directory of the test's own, to edit and add to.
    final class ModelDirectory: Sendable {
        let path: String

        init(_ files: [String]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("models-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for file in files {
                try FileManager.default.copyItem(atPath: TestEnvironment.sql + "/" + file, toPath: path + "/" + file)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func read(_ file: String) throws -> String { try String(contentsOfFile: path + "/" + file, encoding: .utf8) }
        func write(_ file: String, _ text: String) throws {
            try text.write(toFile: path + "/" + file, atomically: true, encoding: .utf8)
        }
        func edit(_ file: String, _ change: (String) -> String) throws { try write(file, change(try read(file))) }

        /// One pass with the directory's models; any failure is a test failure unless `failing` says so.
        @discardableResult
        func pass(_ db: TestDatabase, failing: Bool = false) throws -> RollupRunner.PassResult {
            var runner = RollupRunner(models: try RollupModel.load(from: path), logger: TestEnvironment.logger)
            let result = try runner.runPass(try db.connect())
            if !failing { #expect(result.failures.isEmpty, "\(result.failures)") }
            return result
        }
    }

    static let shipped = [
        "purchase_summary.sql", "purchase_summary_by_category.sql", "purchase_summary_hourly.sql",
        "purchase_summary_daily.sql",
    ]

    /// Purchases over two days and a day boundary, with a copy of some (counted once).
    func load(_ db: TestDatabase, id: Int64, offset: Int64, count: Int, day: String = "2026-11-24") throws {
        // Each batch its own purchases (a seed per batch), in the hours the earlier batches covered too.
        var factory = PurchaseFactory(simulator: PurchaseSimulator(seed: UInt64(id)))
        var rows: [(PurchaseEvent, partition: Int32, offset: Int64)] = []
        for i in 0..<count {
            let hour = [22, 23, 23, 0, 1][i % 5]
            let date = hour < 12 ? "2026-11-25" : day
            var event = factory.purchase(
                at: String(format: "%@T%02d:%02d:%02d.%03dZ", date, hour, (i * 7) % 60, (i * 13) % 60, i % 1000),
                country: ["DE", "FR", "US", "JP"][i % 4], quantity: Int32(1 + i % 3),
                unitPrice: "\(1 + i % 90).\(String(format: "%02d", i % 100))")
            event.category = ["books", "garden", "toys"][i % 3]
            rows.append((event, partition: 0, offset: offset + Int64(rows.count)))
            if i % 17 == 0 { rows.append((event, partition: 0, offset: offset + Int64(rows.count))) }
        }
        try DirectLoader().load(id: id, rows, into: try db.connect(), expected: offset == 0 ? [:] : [0: offset])
    }

    /// Rows of `table` that differ from a GROUP BY over the purchase events (each counted once) with
    /// `window` (a Postgres interval) and `key` (country or category), in either direction.
    func mismatches(_ db: TestDatabase, table: String, window: String, key: String = "country") throws -> Int {
        try db.count(
            """
            with expected as (
                select date_bin('\(window)', created_at, '2000-01-01 00:00:00+00') as window_start, \(key) as key,
                       count(*) as purchase_count, sum(quantity) as item_count, sum(amount) as total_amount
                from purchase_events group by 1, 2
            )
            select count(*) from expected as e
            full join \(table) as s on s.window_start = e.window_start and s.\(key) = e.key
            where e.window_start is null or s.window_start is null
               or (e.purchase_count, e.item_count, e.total_amount)
                  is distinct from (s.purchase_count, s.item_count, s.total_amount)
               or s.window_end <> s.window_start + interval '\(window)'
            """)
    }

    @Test func hourlyDailyAndCategoryTotalsEqualAnIndependentGroupBy() throws {
        let db = try TestDatabase()
        try load(db, id: 1, offset: 0, count: 2_000)
        try rollup(db)
        try load(db, id: 2, offset: 2_118, count: 300)  // late: the same hours again
        let pass = try rollup(db)
        #expect(pass.recomputed.isEmpty)
        #expect(try db.count("select count(*) from purchase_summary_daily") == 8)
        #expect(try mismatches(db, table: "purchase_summary", window: "1 minute") == 0)
        #expect(try mismatches(db, table: "purchase_summary_hourly", window: "1 hour") == 0)
        #expect(try mismatches(db, table: "purchase_summary_daily", window: "1 day") == 0)
        #expect(try mismatches(db, table: "purchase_summary_by_category", window: "1 minute", key: "category") == 0)
    }

    /// Every shipped table against an independent GROUP BY over the purchase events.
    func allMismatches(_ db: TestDatabase) throws -> [Int] {
        [
            try mismatches(db, table: "purchase_summary", window: "1 minute"),
            try mismatches(db, table: "purchase_summary_by_category", window: "1 minute", key: "category"),
            try mismatches(db, table: "purchase_summary_hourly", window: "1 hour"),
            try mismatches(db, table: "purchase_summary_daily", window: "1 day"),
        ]
    }

    /// The additive models add a pass's new events where that is exact, and recompute a window where it is
    /// not: a copy of an earlier event, ledger rows without spans (an older loader), a minute a failed model
    /// left pending. Every table stays equal to an independent GROUP BY throughout.
    @Test func newEventsAreAddedWhereExactAndRecomputedElsewhere() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        var offset: Int64 = 0
        func batch(_ id: Int64, _ events: [PurchaseEvent]) throws {
            let rows = events.enumerated().map { (event: $1, partition: Int32(0), offset: offset + Int64($0)) }
            try loader.load(id: id, rows, into: try db.connect(), expected: offset == 0 ? [:] : [0: offset])
            offset += Int64(events.count)
        }
        func purchases(_ minute: String, _ count: Int) -> [PurchaseEvent] {
            (0..<count).map { i in
                var event = factory.purchase(
                    at: "2026-11-24T10:\(minute):\(String(format: "%02d.%03d", i % 60, i))Z",
                    country: ["DE", "FR", "US"][i % 3], quantity: Int32(1 + i % 4),
                    unitPrice: "\(3 + i % 40).\(i % 10)9")
                event.category = ["books", "toys"][i % 2]
                return event
            }
        }
        let added = { (pass: RollupRunner.PassResult) in
            [pass.addedMinutes["purchase_summary"] ?? 0, pass.addedMinutes["purchase_summary_by_category"] ?? 0]
        }

        let first = purchases("00", 100) + purchases("01", 100)
        try batch(1, first)
        #expect(try rollup(db).recomputed.count == 4)  // new models: built from all the rows

        // New events in both minutes, in two batches: added to the stored totals.
        try batch(2, purchases("00", 30))
        try batch(3, purchases("01", 40))
        var pass = try rollup(db)
        #expect(added(pass) == [2, 2])
        #expect(try allMismatches(db) == [0, 0, 0, 0])

        // A copy of an event of 10:00 (on another partition, where it counts instead if it sorts first), with
        // new events in 10:01 and 10:02: 10:00 is recomputed, the others added.
        try loader.load(id: 4, [(first[5], partition: 1, offset: 0)], into: try db.connect())
        try batch(5, purchases("01", 10) + purchases("02", 10))
        pass = try rollup(db)
        #expect(added(pass) == [2, 2])
        // What the metrics count: 10:00 recomputed, 10:01 and 10:02 added; the hourly model recomputes its hour.
        #expect(pass.windowsByModel["purchase_summary"] == .init(recomputed: 1, added: 2))
        #expect(pass.windowsByModel["purchase_summary_hourly"] == .init(recomputed: 1, added: 0))
        #expect(try allMismatches(db) == [0, 0, 0, 0])
        #expect(
            try db.count(
                "select purchase_count from purchase_summary where window_start = '2026-11-24T10:00:00Z' and country = 'DE'"
            ) == first.prefix(100).filter { $0.country == "DE" }.count + 10)

        // Ledger rows without a span, as a loader older than V009 writes them: recomputed.
        try batch(6, purchases("02", 5))
        try db.connect().execute(script: "update ingest_ledger set first_created_at = null, last_created_at = null")
        pass = try rollup(db)
        #expect(added(pass) == [0, 0])
        #expect(try allMismatches(db) == [0, 0, 0, 0])

        // A model that fails keeps its minutes; on the next pass, with more events in the same minute, that
        // minute is recomputed for it (its pending rows were never added) and added for the other model.
        let breaker = try db.connect()
        try breaker.execute(
            script:
                "alter table purchase_summary_by_category add constraint no_books check (category <> 'books') not valid"
        )
        try batch(7, purchases("03", 20))
        var runner = RollupRunner(
            models: try RollupModel.load(from: TestEnvironment.sql), logger: TestEnvironment.logger)
        pass = try runner.runPass(try db.connect())
        #expect(pass.failures.map(\.model) == ["purchase_summary_by_category"])
        #expect(added(pass) == [1, 0])
        try breaker.execute(script: "alter table purchase_summary_by_category drop constraint no_books")
        try batch(8, purchases("03", 25))
        pass = try rollup(db)
        #expect(added(pass) == [1, 0])
        #expect(try allMismatches(db) == [0, 0, 0, 0])
        #expect(try db.count("select count(*) from rollup_pending") == 0)
    }

    @Test func fiveAndFifteenMinuteWindowsAreAlignedAndExact() throws {
        let db = try TestDatabase()
        try db.connect().execute(
            script: """
                create table five (like purchase_summary_hourly including all);
                create table fifteen (like purchase_summary_hourly including all);
                """)
        let models = try ModelDirectory(["purchase_summary.sql", "purchase_summary_hourly.sql"])
        try models.write(
            "five.sql",
            try models.read("purchase_summary.sql").replacing("-- table: purchase_summary\n", with: "-- table: five\n")
                .replacing("-- window: 1 minute", with: "-- window: 5 minutes").replacing(
                    "purchase_summary as s", with: "five as s"))
        try models.write(
            "fifteen.sql",
            try models.read("purchase_summary_hourly.sql").replacing(
                "-- table: purchase_summary_hourly", with: "-- table: fifteen"
            ).replacing("-- window: 1 hour", with: "-- window: 15 minutes").replacing(
                "-- from: purchase_summary", with: "-- from: five"
            ).replacing("purchase_summary_hourly as s", with: "fifteen as s").replacing(
                "inner join purchase_summary as f", with: "inner join five as f"))
        try load(db, id: 1, offset: 0, count: 1_500)
        try models.pass(db)
        // More events in the same windows: `five` is additive (its header is purchase_summary's), so it adds
        // them to the windows whose minutes hold no copy and recomputes the others.
        try load(db, id: 2, offset: 1_589, count: 400)
        let pass = try models.pass(db)
        #expect((pass.addedMinutes["five"] ?? 0) > 0)
        #expect(try mismatches(db, table: "five", window: "5 minutes") == 0)
        #expect(try mismatches(db, table: "fifteen", window: "15 minutes") == 0)
        #expect(
            try db.count(
                "select count(*) from fifteen where extract(minute from window_start)::int % 15 <> 0 or extract(second from window_start) <> 0"
            ) == 0)
    }

    @Test func aNewModelFillsItselfAndACommentOnlyEditRecomputesNothing() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(["purchase_summary.sql"])
        try load(db, id: 1, offset: 0, count: 1_000)
        #expect(try models.pass(db).recomputed == ["purchase_summary"])
        #expect(try models.pass(db).recomputed == [])

        // A new file: its first pass fills it from the history.
        try FileManager.default.copyItem(
            atPath: TestEnvironment.sql + "/purchase_summary_hourly.sql",
            toPath: models.path + "/purchase_summary_hourly.sql")
        let added = try models.pass(db)
        #expect(added.recomputed == ["purchase_summary_hourly"])
        #expect(try mismatches(db, table: "purchase_summary_hourly", window: "1 hour") == 0)

        // Comments and indentation: the same version, nothing recomputed, no row touched.
        let before = try db.connect().query("select * from purchase_summary order by 1, 3").rows
        try models.edit("purchase_summary.sql") { text in
            text.replacing("-- Invariants, checked by the tests:", with: "-- Invariants (see the tests):")
                .replacing("    select\n", with: "  select   \n\n").replacing("\n", with: "\r\n", maxReplacements: 3)
                + "\n/* a note at the end */\n"
        }
        let commented = try models.pass(db)
        #expect(commented.recomputed == [])
        #expect(commented.rowsUpserted == 0)
        #expect(try db.connect().query("select * from purchase_summary order by 1, 3").rows == before)

        // A real edit: a new version, recomputed with the model derived from it.
        try models.edit("purchase_summary.sql") {
            $0.replacing("count(*) as purchase_count", with: "count(*) * 2 as purchase_count")
        }
        let changed = try models.pass(db)
        #expect(changed.recomputed == ["purchase_summary", "purchase_summary_hourly"])
        #expect(
            try db.count("select sum(purchase_count) from purchase_summary_hourly") == 2
                * (try db.count("select count(*) from purchase_events")))
        #expect(
            try db.count("select count(distinct version) from rollup_models") == 2
                && (try db.count("select count(*) from rollup_models where version_since > now() - interval '1 minute'"))
                    == 2
        )
    }

    /// A changed model is rebuilt a day at a time beside its table; a reader polling the table meanwhile sees
    /// the old totals or the new ones, never some days of each.
    @Test func aReaderNeverSeesTwoVersionsAtOnce() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(Self.shipped)
        for day in 0..<6 {
            try load(db, id: Int64(day + 1), offset: Int64(day * 996), count: 940, day: "2026-11-\(18 + day)")
        }
        try models.pass(db)
        let old = try db.count("select sum(purchase_count) from purchase_summary_daily")
        #expect(old == (try db.count("select count(*) from purchase_events")))
        try models.edit("purchase_summary.sql") {
            $0.replacing("count(*) as purchase_count", with: "count(*) * 2 as purchase_count")
        }
        final class Flag: Sendable { let raised = Atomic<Bool>(false) }
        let done = Flag()
        let reader = try db.connect()
        let thread = Thread { [models] in
            defer { done.raised.store(true, ordering: .sequentiallyConsistent) }
            _ = try? models.pass(db)
        }
        thread.start()
        var seen = Set<Int>()
        var reads = 0
        while !done.raised.load(ordering: .sequentiallyConsistent) {
            seen.insert(try reader.query("select sum(purchase_count) from purchase_summary_daily").scalar(Int.self))
            seen.insert(try reader.query("select sum(purchase_count) from purchase_summary").scalar(Int.self))
            reads += 1
        }
        seen.insert(try reader.query("select sum(purchase_count) from purchase_summary_daily").scalar(Int.self))
        #expect(reads > 0)
        #expect(seen.isSubset(of: [old, 2 * old]), "\(seen)")
        #expect(seen.contains(2 * old))
        #expect(try db.count("select count(*) from rollup_pending") == 0)
    }

    @Test func aBrokenModelLeavesItsTableAsItWasAndTheOthersRun() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(Self.shipped)
        try load(db, id: 1, offset: 0, count: 1_000)
        try models.pass(db)
        let hourly = try db.connect().query("select * from purchase_summary_hourly order by 1, 3").rows

        // A typo in the hourly model; the daily one is derived from it.
        try models.edit("purchase_summary_hourly.sql") {
            $0.replacing("    group by w.window_start", with: "    grup by w.window_start")
        }
        let line =
            try models.read("purchase_summary_hourly.sql").split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("grup by") }! + 1
        try load(db, id: 2, offset: 1_059, count: 200)
        let broken = try models.pass(db, failing: true)
        #expect(broken.failures.map(\.model) == ["purchase_summary_hourly", "purchase_summary_daily"])
        let reason = broken.failures.first?.message ?? ""
        #expect(
            reason.hasPrefix("purchase_summary_hourly.sql:\(line):") && reason.contains(": syntax error at or near"),
            "\(reason)")
        #expect(try db.connect().query("select * from purchase_summary_hourly order by 1, 3").rows == hourly)
        #expect(try mismatches(db, table: "purchase_summary", window: "1 minute") == 0)
        #expect(try mismatches(db, table: "purchase_summary_by_category", window: "1 minute", key: "category") == 0)
        #expect(try db.count("select count(*) from rollup_pending where model = 'purchase_summary_hourly'") > 0)
        #expect(try db.count("select count(*) from rollup_pending where model = 'purchase_summary'") == 0)

        // Fixed: what the broken pass did not consume, the next pass does, and the derived model follows.
        try models.edit("purchase_summary_hourly.sql") { $0.replacing("grup by", with: "group by") }
        try models.pass(db)
        #expect(try db.count("select count(*) from rollup_pending") == 0)
        #expect(try mismatches(db, table: "purchase_summary_hourly", window: "1 hour") == 0)
        #expect(try mismatches(db, table: "purchase_summary_daily", window: "1 day") == 0)
    }

    @Test func aBadHeaderNamesTheFileAndTheLine() throws {
        let models = try ModelDirectory(["purchase_summary.sql", "purchase_summary_hourly.sql"])
        try models.edit("purchase_summary_hourly.sql") {
            $0.replacing("-- window: 1 hour", with: "-- window: 90 seconds")
        }
        let set = try RollupModel.load(from: models.path)
        #expect(set.models.map(\.name) == ["purchase_summary"])
        #expect(
            set.broken.map(\.message) == [
                "purchase_summary_hourly.sql:3: window \"90 seconds\" is not a whole number of minutes, hours or days (e.g. 15 minutes, 1 hour, 1 day)"
            ])
        try models.edit("purchase_summary_hourly.sql") {
            $0.replacing("-- window: 90 seconds", with: "-- window: 7 minutes").replacing(
                "-- from: purchase_summary", with: "-- from: purchase_summary")
        }
        try models.write(
            "purchase_summary.sql",
            try models.read("purchase_summary.sql").replacing("-- window: 1 minute", with: "-- window: 2 minutes"))
        #expect(
            try RollupModel.load(from: models.path).broken.map(\.message) == [
                "purchase_summary_hourly.sql: its window (7 minutes) is not a whole multiple of purchase_summary's (2 minutes)"
            ])
    }

    @Test func planAndStatusSayWhatIsDueAndChangeNothing() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(Self.shipped)
        try load(db, id: 1, offset: 0, count: 1_000)
        let reader = ReadOnlyModels(sqlDirectory: models.path, databaseSettings: db.settings)
        func states() throws -> [String: String] {
            try reader.read { set, db in try ModelStatus.read(set, db) }.reduce(into: [:]) {
                $0[$1.name] = $1.state.rawValue
            }
        }
        let ledger = try db.count("select count(*) from ingest_ledger")
        #expect(try states().values.allSatisfy { $0 == "new" })
        let firstPlan = try reader.read { set, db in try PlanCommand.plan(set, db) }
        #expect(firstPlan.count == 5)
        #expect(firstPlan[1].hasPrefix("purchase_summary ") && firstPlan[1].contains("new (version"))
        #expect(firstPlan.dropFirst().allSatisfy { $0.contains("recompute all history") })
        // The hourly model: 4 hours over two days hold rows, so 4 windows.
        #expect(firstPlan.contains { $0.hasPrefix("purchase_summary_hourly ") && $0.contains(", 4 windows,") })
        #expect(try db.count("select count(*) from ingest_ledger") == ledger)
        #expect(try db.count("select count(*) from rollup_models") == 0)

        try models.pass(db)
        #expect(try states().values.allSatisfy { $0 == "current" })
        try load(db, id: 2, offset: 1_059, count: 10)
        let statuses = try reader.read { set, db in try ModelStatus.read(set, db) }
        let minute = statuses.first { $0.name == "purchase_summary" }!
        #expect(minute.pendingMinutes == 10 && minute.pendingWindows == 10 && minute.lastRunAt != nil)
        #expect(statuses.first { $0.name == "purchase_summary_daily" }!.pendingWindows == 2)
        #expect(
            try reader.read { set, db in try PlanCommand.plan(set, db) }.contains {
                $0.hasPrefix("purchase_summary ")
                    && $0.hasSuffix("current: recompute 10 windows (10 minutes with new rows)")
            })

        try models.edit("purchase_summary_hourly.sql") {
            $0.replacing("f.country,", with: "upper(f.country) as country,")
        }
        try models.write("broken.sql", "-- table: nowhere\nselect 1\n")
        let after = try states()
        #expect(after["purchase_summary_hourly"] == "changed")
        #expect(after["purchase_summary_daily"] == "source changed")
        #expect(after["purchase_summary"] == "current")
        #expect(after["broken"] == "broken")
        #expect(
            StatusCommand.table(try reader.read { set, db in try ModelStatus.read(set, db) }).contains(
                "broken: broken.sql: the header has no `-- key: ...` line"))
    }

    @Test func verifyFindsATamperedRowAndBackfillRepairsARange() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(Self.shipped)
        try load(db, id: 1, offset: 0, count: 1_000)
        try models.pass(db)
        let set = try RollupModel.load(from: models.path)
        func verify(_ model: String? = nil, from: String = "-infinity", to: String = "infinity") throws
            -> [RangeRecompute.Difference]
        {
            try RangeRecompute(
                models: try BackfillCommand.select(model, from: set, withDependents: false), from: from, to: to,
                logger: TestEnvironment.logger
            ).verify(try db.connect()).differences
        }
        #expect(try verify().isEmpty)

        // Tampered: a per-minute total on each day, and an hourly row with no events behind it.
        func firstDE(on day: String) throws -> String {
            try db.scalar(
                """
                select to_char(min(window_start) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') from purchase_summary
                where country = 'DE' and window_start >= $1::timestamptz and window_start < $1::timestamptz + interval '1 day'
                """, [day])!
        }
        let (first, second) = (try firstDE(on: "2026-11-24"), try firstDE(on: "2026-11-25"))
        try db.connect().query(
            "update purchase_summary set total_amount = total_amount + 1 where window_start in ($1, $2) and country = 'DE'",
            [first, second])
        try db.connect().execute(
            script:
                "insert into purchase_summary_hourly values ('2026-11-20T05:00:00Z', '2026-11-20T06:00:00Z', 'FR', 1, 1, 1.00, now())"
        )
        let tampered = try db.connect().query("select * from purchase_summary order by 1, 3").rows
        let differences = try verify()
        #expect(
            differences.map { "\($0.model) \($0.window) \($0.key)" } == [
                "purchase_summary \(first) DE", "purchase_summary \(second) DE",
                "purchase_summary_hourly 2026-11-20T05:00Z FR",
            ])
        #expect(differences[2].expected == nil && differences[2].found?.contains("\"total_amount\": 1.00") == true)
        #expect(differences[0].expected != differences[0].found && differences[0].expected != nil)
        #expect(try db.connect().query("select * from purchase_summary order by 1, 3").rows == tampered)
        #expect(try verify("purchase_summary_daily").isEmpty)
        #expect(try verify(from: "2026-11-25", to: "2026-11-26").count == 1)

        // Backfill of the first day for the per-minute model (and the models derived from it).
        _ = try RangeRecompute(
            models: try BackfillCommand.select("purchase_summary", from: set, withDependents: true),
            from: "2026-11-24", to: "2026-11-25", logger: TestEnvironment.logger
        ).backfill(try db.connect())
        #expect(
            try verify().map { "\($0.model) \($0.window)" } == [
                "purchase_summary \(second)", "purchase_summary_hourly 2026-11-20T05:00Z",
            ])
        _ = try RangeRecompute(models: set.models, from: "2026-11-01", to: "2026-12-01", logger: TestEnvironment.logger)
            .backfill(try db.connect())
        #expect(try verify().isEmpty)
        #expect(throws: PipelineError.self) { try BackfillCommand.select("nothing", from: set, withDependents: true) }
    }

    /// What the version fingerprints: comments and layout do not count, quoted text and words do.
    @Test func meaningIgnoresCommentsAndLayoutOnly() {
        let base = "select a, 'x  -- y' as \"b  c\" from t where n > -1 and s = $$ keep  this $$ -- note\n"
        #expect(SQLMeaning.of(base) == "select a,'x  -- y' as \"b  c\" from t where n> -1 and s=$$ keep  this $$")
        #expect(SQLMeaning.of("/* head /* nested */ */ select\n\ta ,\r\n b  from   t") == "select a,b from t")
        #expect(SQLMeaning.of("select a - -1") == "select a- -1")
        #expect(SQLMeaning.of("select E'it\\'s  --' from t") == "select E'it\\'s  --' from t")
        #expect(SQLMeaning.of("select $1::interval") == "select $1::interval")
        #expect(SQLMeaning.of("select a from t") != SQLMeaning.of("select b from t"))
        #expect(SQLMeaning.of("select 'a b'") != SQLMeaning.of("select 'a  b'"))
    }
}
