import Foundation
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Synchronization
import Testing

@testable import Rollup
@testable import RollupEngine

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
            // Each country in its currency, yen without a fraction, and one purchase in 7 paid in dollars.
            let country = ["DE", "FR", "US", "JP"][i % 4]
            let currency = i % 7 == 0 ? "USD" : ["DE": "EUR", "FR": "EUR", "US": "USD", "JP": "JPY"][country]!
            var event = factory.purchase(
                at: String(format: "%@T%02d:%02d:%02d.%03dZ", date, hour, (i * 7) % 60, (i * 13) % 60, i % 1000),
                country: country, currency: currency, quantity: Int32(1 + i % 3),
                unitPrice: currency == "JPY" ? "\(150 + i % 9_000)" : "\(1 + i % 90).\(String(format: "%02d", i % 100))"
            )
            event.category = ["books", "garden", "toys"][i % 3]
            rows.append((event, partition: 0, offset: offset + Int64(rows.count)))
            if i % 17 == 0 { rows.append((event, partition: 0, offset: offset + Int64(rows.count))) }
        }
        try DirectLoader().load(id: id, rows, into: try db.connect(), expected: offset == 0 ? [:] : [0: offset])
    }

    /// Rows of `table` that differ from an independent group by over purchase_events, per window, `key` and
    /// currency (without `currency`: per window and key, for tables of models that do not keep it).
    func mismatches(
        _ db: TestDatabase, table: String, window: String, key: String = "country", currency: Bool = true
    ) throws -> Int {
        let (column, join) = currency ? (", currency", " and s.currency = e.currency") : ("", "")
        return try db.count(
            """
            with expected as (
                select date_bin('\(window)', created_at, '2000-01-01 00:00:00+00') as window_start, \(key) as key\(column),
                       count(*) as purchase_count, sum(quantity) as item_count, sum(amount) as total_amount
                from purchase_events group by 1, 2\(currency ? ", 3" : "")
            )
            select count(*) from expected as e
            full join \(table) as s on s.window_start = e.window_start and s.\(key) = e.key\(join)
            where e.window_start is null or s.window_start is null
               or (e.purchase_count, e.item_count, e.total_amount)
                  is distinct from (s.purchase_count, s.item_count, s.total_amount)
               or s.window_end <> s.window_start + interval '\(window)'
            """)
    }

    /// Every shipped table against an independent GROUP BY over the purchase events.
    func allMismatches(_ db: TestDatabase, currency: Bool = true) throws -> [Int] {
        [
            try mismatches(db, table: "purchase_summary", window: "1 minute", currency: currency),
            try mismatches(
                db, table: "purchase_summary_by_category", window: "1 minute", key: "category", currency: currency),
            try mismatches(db, table: "purchase_summary_hourly", window: "1 hour", currency: currency),
            try mismatches(db, table: "purchase_summary_daily", window: "1 day", currency: currency),
        ]
    }

    @Test func hourlyDailyAndCategoryTotalsEqualAnIndependentGroupBy() throws {
        let db = try TestDatabase()
        try load(db, id: 1, offset: 0, count: 2_000)
        try rollup(db)
        try load(db, id: 2, offset: 2_118, count: 300)  // late: the same hours again
        let pass = try rollup(db)
        #expect(pass.recomputed.isEmpty)
        // Two days; DE, FR and JP in their currencies and in dollars, US in dollars.
        #expect(try db.count("select count(*) from purchase_summary_daily") == 14)
        #expect(try mismatches(db, table: "purchase_summary", window: "1 minute") == 0)
        #expect(try mismatches(db, table: "purchase_summary_hourly", window: "1 hour") == 0)
        #expect(try mismatches(db, table: "purchase_summary_daily", window: "1 day") == 0)
        #expect(try mismatches(db, table: "purchase_summary_by_category", window: "1 minute", key: "category") == 0)
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

    /// Five- and fifteen-minute models, written as an analyst would: a header and a select, nothing else.
    @Test func fiveAndFifteenMinuteWindowsAreAlignedAndExact() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(["purchase_summary.sql"])
        try models.write(
            "five.sql",
            """
            -- key: window_start, country, currency
            -- window: 5 minutes
            select purchase_window_start(created_at, interval '5 minutes') as window_start, country, currency,
                   count(*) as purchase_count, sum(quantity) as item_count, sum(amount) as total_amount
            from purchase_events
            group by 1, 2, 3;
            """)
        try models.write(
            "fifteen.sql",
            """
            -- key: window_start, country, currency
            -- window: 15 minutes
            -- from: five
            select purchase_window_start(window_start, interval '15 minutes') as window_start, country, currency,
                   sum(purchase_count) as purchase_count, sum(item_count) as item_count, sum(total_amount) as total_amount
            from five
            group by 1, 2, 3
            """)
        try load(db, id: 1, offset: 0, count: 1_500)
        try models.pass(db)
        // More events in the same windows: `five` is a count and sums, so it adds them to the windows whose
        // minutes hold no copy and recomputes the others.
        try load(db, id: 2, offset: 1_589, count: 400)
        let pass = try models.pass(db)
        #expect((pass.addedMinutes["five"] ?? 0) > 0)
        #expect(try mismatches(db, table: "five", window: "5 minutes") == 0)
        #expect(try mismatches(db, table: "fifteen", window: "15 minutes") == 0)
        #expect(
            try db.count(
                "select count(*) from fifteen where extract(minute from window_start)::int % 15 <> 0 or extract(second from window_start) <> 0"
            ) == 0)
        // The engine made the tables: the key, its own columns, the select's types, and the grants.
        #expect(
            try db.connect().query(
                """
                select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)
                from pg_attribute where attrelid = 'fifteen'::regclass and attnum > 0 and not attisdropped
                """
            ).scalar
                == "window_start timestamp with time zone, country text, currency text, purchase_count numeric, item_count numeric, total_amount numeric, window_end timestamp with time zone, is_final boolean, corrected_after_final boolean, updated_at timestamp with time zone"
        )
        #expect(try db.scalar("select has_table_privilege('dashboard_reader', 'five', 'select')") == "t")
        #expect(
            try db.scalar("select pg_get_userbyid(relowner) from pg_class where oid = 'five'::regclass")
                == "purchase_rollup")
    }

    /// The three models of the model guide, exactly as written there, dropped in beside the shipped ones: each
    /// is created and filled from the loaded history, equal to an independent computation from the raw rows
    /// to the cent, and stays equal after late events arrive.
    @Test func theGuidesThreeModelsAreCompleteAsWritten() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(Self.shipped)
        try models.write("country_15m.sql", Self.guideFifteenMinutes)
        try models.write("buyers_hourly.sql", Self.guideBuyers)
        try models.write("kolkata_daily.sql", Self.guideKolkataDay)
        try load(db, id: 1, offset: 0, count: 2_000)
        let first = try models.pass(db)
        #expect(Set(first.recomputed).isSuperset(of: ["country_15m", "buyers_hourly", "kolkata_daily"]))
        func check() throws {
            #expect(
                try db.count(
                    """
                    with expected as (
                        select date_bin('15 minutes', created_at, '2000-01-01') as w, country, count(*) as n, sum(amount) as a
                        from purchase_events group by 1, 2
                    )
                    select count(*) from expected as e full join country_15m as m on m.window_start = e.w and m.country = e.country
                    where (e.n, e.a) is distinct from (m.purchase_count, m.total_amount)
                       or m.window_end <> m.window_start + interval '15 minutes'
                    """) == 0)
            #expect(
                try db.count(
                    """
                    with expected as (
                        select date_trunc('hour', created_at, 'UTC') as w, country, count(distinct user_id) as b
                        from purchase_events group by 1, 2
                    )
                    select count(*) from expected as e full join buyers_hourly as m on m.window_start = e.w and m.country = e.country
                    where e.b is distinct from m.buyers
                    """) == 0)
            #expect(
                try db.count(
                    """
                    with expected as (
                        select date_trunc('day', created_at, 'Asia/Kolkata') as w, country, count(*) as n, sum(amount) as a
                        from purchase_events group by 1, 2
                    )
                    select count(*) from expected as e full join kolkata_daily as m on m.window_start = e.w and m.country = e.country
                    where (e.n, e.a) is distinct from (m.purchase_count, m.total_amount)
                       or m.window_end <> m.window_start + interval '1 day'
                       or to_char(m.window_start at time zone 'UTC', 'HH24:MI') <> '18:30'
                    """) == 0)
        }
        try check()
        #expect(try db.count("select count(*) from kolkata_daily") > 0)
        // Late events, in hours and days the history already has.
        try load(db, id: 2, offset: 2_118, count: 300)
        let late = try models.pass(db)
        #expect(late.recomputed.isEmpty)
        // The count and sum model adds; count(distinct) recomputes its touched hours.
        #expect((late.windowsByModel["country_15m"]?.added ?? 0) > 0)
        #expect(late.windowsByModel["buyers_hourly"]?.added == 0)
        #expect((late.windowsByModel["buyers_hourly"]?.recomputed ?? 0) > 0)
        try check()
        #expect(
            try RangeRecompute(
                models: try RollupModel.load(from: models.path).models, from: "-infinity", to: "infinity",
                logger: TestEnvironment.logger
            ).verify(try db.connect()).differences.isEmpty)
    }

    static let guideFifteenMinutes = """
        -- key: window_start, country
        -- window: 15 minutes
        select purchase_window_start(created_at, interval '15 minutes') as window_start, country,
               count(*) as purchase_count, sum(amount) as total_amount
        from purchase_events
        group by 1, 2
        """
    static let guideBuyers = """
        -- key: window_start, country
        -- window: 1 hour
        select purchase_window_start(created_at, interval '1 hour') as window_start, country,
               count(distinct user_id) as buyers
        from purchase_events
        group by 1, 2
        """
    static let guideKolkataDay = """
        -- key: window_start, country
        -- window: 1 day
        -- timezone: Asia/Kolkata
        -- from: purchase_summary
        select date_trunc('day', window_start, 'Asia/Kolkata') as window_start, country,
               sum(purchase_count) as purchase_count, sum(total_amount) as total_amount
        from purchase_summary
        group by 1, 2
        """

    /// Local days in a zone with daylight saving: Europe/Berlin's last Sunday of October 2026 has 25 hours and
    /// the last Sunday of March 2027 has 23; local hours and a month window follow the calendar too.
    @Test func localDaysHoursAndMonthsFollowTheZonesCalendar() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory([])
        try models.write(
            "berlin_daily.sql",
            """
            -- key: window_start
            -- window: 1 day
            -- timezone: Europe/Berlin
            select purchase_window_start(created_at, interval '1 day', 'Europe/Berlin') as window_start,
                   count(*) as purchase_count, sum(amount) as total_amount
            from purchase_events group by 1
            """)
        try models.write(
            "berlin_2h.sql",
            """
            -- key: window_start
            -- window: 2 hours
            -- timezone: Europe/Berlin
            select purchase_window_start(created_at, interval '2 hours', 'Europe/Berlin') as window_start,
                   count(*) as purchase_count
            from purchase_events group by 1
            """)
        try models.write(
            "monthly.sql",
            """
            -- key: window_start, country
            -- window: 1 month
            -- timezone: Europe/Berlin
            -- from: berlin_country_daily
            select date_trunc('month', window_start, 'Europe/Berlin') as window_start, country,
                   sum(purchase_count) as purchase_count
            from berlin_country_daily group by 1, 2
            """)
        try models.write(
            "berlin_country_daily.sql",
            """
            -- key: window_start, country
            -- window: 1 day
            -- timezone: Europe/Berlin
            select date_trunc('day', created_at, 'Europe/Berlin') as window_start, country, count(*) as purchase_count
            from purchase_events group by 1, 2
            """)
        var factory = PurchaseFactory()
        var rows: [(PurchaseEvent, partition: Int32, offset: Int64)] = []
        // Every 20 minutes over the two changes' days, and the days around them (UTC event times).
        for day in ["2026-10-24", "2026-10-25", "2026-10-26", "2027-03-27", "2027-03-28", "2027-03-29"] {
            for minute in stride(from: 0, to: 24 * 60, by: 20) {
                let time = String(format: "%@T%02d:%02d:00Z", day, minute / 60, minute % 60)
                rows.append((factory.purchase(at: time, country: ["DE", "FR"][rows.count % 2]), 0, Int64(rows.count)))
            }
        }
        try DirectLoader().load(id: 1, rows, into: try db.connect())
        try models.pass(db)
        let lengths = try db.connect().query(
            """
            select to_char(window_start at time zone 'Europe/Berlin', 'YYYY-MM-DD'),
                   extract(epoch from window_end - window_start)::int / 3600
            from berlin_daily
            where window_start in (timestamptz '2026-10-25 00:00 Europe/Berlin', timestamptz '2027-03-28 00:00 Europe/Berlin')
            order by 1
            """
        ).rows
        #expect(lengths == [["2026-10-25", "25"], ["2027-03-28", "23"]])
        #expect(
            try db.count(
                """
                with expected as (
                    select date_trunc('day', created_at, 'Europe/Berlin') as w, count(*) as n, sum(amount) as a
                    from purchase_events group by 1
                )
                select count(*) from expected as e full join berlin_daily as m on m.window_start = e.w
                where (e.n, e.a) is distinct from (m.purchase_count, m.total_amount)
                   or m.window_end <> ((e.w at time zone 'Europe/Berlin') + interval '1 day') at time zone 'Europe/Berlin'
                """) == 0)
        // Two-hour windows count from local midnight; the 25-hour day's last one is an hour long.
        #expect(
            try db.count(
                """
                select count(*) from berlin_2h
                where window_end > timestamptz '2026-10-25 00:00 Europe/Berlin'
                  and window_start < timestamptz '2026-10-26 00:00 Europe/Berlin'
                """) == 13)
        #expect(
            try db.scalar(
                """
                select extract(epoch from window_end - window_start)::int / 3600 from berlin_2h
                where window_end = timestamptz '2026-10-26 00:00 Europe/Berlin'
                """) == "1")
        #expect(try db.count("select sum(purchase_count) from berlin_2h") == rows.count)
        #expect(
            try db.connect().query(
                """
                select to_char(window_start at time zone 'Europe/Berlin', 'YYYY-MM-DD HH24:MI'),
                       to_char(window_end at time zone 'Europe/Berlin', 'YYYY-MM-DD HH24:MI'), sum(purchase_count)::int
                from monthly group by 1, 2 order by 1
                """
            ).rows == [
                ["2026-10-01 00:00", "2026-11-01 00:00", String(rows.count / 2)],
                ["2027-03-01 00:00", "2027-04-01 00:00", String(rows.count / 2)],
            ])
    }

    /// A query that buckets by day under a `1 hour` header returns day starts, which are hour boundaries too,
    /// but not the windows whose input it was given: the model fails, naming the file and the first bad value,
    /// and writes nothing; the others run.
    @Test func aHeaderAndAQueryThatDisagreeWriteNothing() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(["purchase_summary.sql"])
        try models.write(
            "wrong.sql",
            """
            -- key: window_start, country
            -- window: 1 hour
            select purchase_window_start(created_at, interval '1 day') as window_start, country, count(*) as purchase_count
            from purchase_events group by 1, 2
            """)
        try load(db, id: 1, offset: 0, count: 500)
        let pass = try models.pass(db, failing: true)
        let failure = try #require(pass.failures.first { $0.model == "wrong" })
        #expect(failure.message.hasPrefix("wrong.sql: cannot switch") == false)
        #expect(failure.message.contains("wrong.sql"), "\(failure.message)")
        #expect(
            failure.message.contains(
                "returned window_start 2026-11-24T00:00:00Z, which is not one of the 1 hour windows in UTC"),
            "\(failure.message)")
        #expect(failure.message.contains("expected one of"), "\(failure.message)")
        #expect(try db.count("select count(*) from pg_class where relname = 'wrong'") == 0)
        #expect(try mismatches(db, table: "purchase_summary", window: "1 minute") == 0)
        // A derived window that splits its source's (a Kolkata day of UTC hours) is refused when loaded.
        try models.write(
            "purchase_summary_hourly.sql",
            try String(contentsOfFile: TestEnvironment.sql + "/purchase_summary_hourly.sql", encoding: .utf8))
        try models.write(
            "kolkata.sql",
            Self.guideKolkataDay.replacing("-- from: purchase_summary", with: "-- from: purchase_summary_hourly")
                .replacing("from purchase_summary\n", with: "from purchase_summary_hourly\n"))
        let set = try RollupModel.load(from: models.path)
        #expect(
            set.broken.first { $0.model == "kolkata" }?.message
                == "kolkata.sql: its windows (1 day (Asia/Kolkata)) are not made of whole windows of purchase_summary_hourly (1 hour), so its rows cannot be summed from purchase_summary_hourly's"
        )
    }

    /// A measure added to a model: it is rebuilt aside and the new column is added to its table in place, so
    /// its grants and the views on it survive; a reader sees the old rows until the switch.
    @Test func anAddedMeasureRebuildsInPlaceKeepingGrantsAndViews() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(Self.shipped)
        try load(db, id: 1, offset: 0, count: 1_000)
        try models.pass(db)
        try db.connect().execute(
            script: """
                create view de_minutes as select window_start, total_amount from purchase_summary where country = 'DE';
                grant select on de_minutes to dashboard_reader;
                """)
        let oid = try db.scalar("select 'purchase_summary'::regclass::oid")
        try models.edit("purchase_summary.sql") {
            $0.replacing(
                "    sum(amount) as total_amount\n",
                with: "    sum(amount) as total_amount,\n    max(amount) as largest_amount\n")
        }
        let pass = try models.pass(db)
        #expect(pass.recomputed.contains("purchase_summary"))
        #expect(try db.scalar("select 'purchase_summary'::regclass::oid") == oid)
        #expect(try db.count("select count(*) from de_minutes") > 0)
        #expect(
            try db.count(
                """
                with expected as (
                    select purchase_window_start(created_at, '1 minute') as w, country, currency, max(amount) as m
                    from purchase_events group by 1, 2, 3
                )
                select count(*) from expected as e full join purchase_summary as s
                  on s.window_start = e.w and s.country = e.country and s.currency = e.currency
                where e.m is distinct from s.largest_amount
                """) == 0)
        #expect(try db.scalar("select has_table_privilege('dashboard_reader', 'purchase_summary', 'select')") == "t")
        #expect(try allMismatches(db) == [0, 0, 0, 0])
        // Not a count or a sum any more: recomputed, never added.
        try load(db, id: 2, offset: 1_059, count: 100)
        #expect(try models.pass(db).addedMinutes["purchase_summary"] == nil)
        #expect(try allMismatches(db) == [0, 0, 0, 0])
    }

    /// `rollup run --every` keeps one session: a rebuild leaves nothing in it, so the next one starts clean.
    @Test func rebuildsInOneSessionLeaveNothingBehind() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(Self.shipped)
        try load(db, id: 1, offset: 0, count: 500)
        let session = try db.connect()
        func pass() throws -> RollupRunner.PassResult {
            var runner = RollupRunner(models: try RollupModel.load(from: models.path), logger: TestEnvironment.logger)
            let result = try runner.runPass(session)
            #expect(result.failures.isEmpty, "\(result.failures)")
            return result
        }
        func leftovers() throws -> Int {
            try session.query(
                """
                select count(*) from pg_class where relnamespace = pg_my_temp_schema()
                  and (relname like 'rollup\\_aside%' or relname = 'aside_pending' or relkind = 'i' and relname like 'rollup\\_aside%')
                """
            ).scalar(Int.self)
        }
        #expect(try pass().recomputed.count == 4)
        #expect(try leftovers() == 0)
        for factor in [2, 3] {
            try models.edit("purchase_summary.sql") {
                $0.replacing(
                    factor == 2 ? "count(*) as purchase_count" : "count(*) * 2 as purchase_count",
                    with: "count(*) * \(factor) as purchase_count")
            }
            #expect(try pass().recomputed == ["purchase_summary", "purchase_summary_hourly", "purchase_summary_daily"])
            #expect(try leftovers() == 0)
        }
        #expect(
            try db.count("select sum(purchase_count) from purchase_summary_daily") == 3
                * (try db.count("select count(*) from purchase_events")))
    }

    /// A removed file retires its model: the table stays, no longer maintained, and status says so; when the
    /// file comes back, the model is rebuilt (its pending minutes were dropped); `rollup drop` removes one.
    @Test func aRemovedFileRetiresItsModel() throws {
        let db = try TestDatabase()
        let models = try ModelDirectory(["purchase_summary.sql", "purchase_summary_by_category.sql"])
        try load(db, id: 1, offset: 0, count: 500)
        try models.pass(db)
        let text = try models.read("purchase_summary_by_category.sql")
        try FileManager.default.removeItem(atPath: models.path + "/purchase_summary_by_category.sql")
        try load(db, id: 2, offset: 530, count: 100)
        let pass = try models.pass(db)
        #expect(pass.retired == ["purchase_summary_by_category"])
        #expect(try db.count("select count(*) from rollup_pending where model = 'purchase_summary_by_category'") == 0)
        #expect(try mismatches(db, table: "purchase_summary_by_category", window: "1 minute", key: "category") > 0)
        let reader = ReadOnlyModels(sqlDirectory: models.path, databaseSettings: db.settings)
        let statuses = try reader.read { set, db in try ModelStatus.read(set, db) }
        #expect(statuses.first { $0.name == "purchase_summary_by_category" }?.state == .retired)
        #expect(
            try db.count("select count(*) from rollup_model_standing where model = 'purchase_summary_by_category'") == 0
        )

        try models.write("purchase_summary_by_category.sql", text)
        let back = try models.pass(db)
        #expect(back.recomputed == ["purchase_summary_by_category"])
        #expect(try mismatches(db, table: "purchase_summary_by_category", window: "1 minute", key: "category") == 0)

        try FileManager.default.removeItem(atPath: models.path + "/purchase_summary_by_category.sql")
        try models.pass(db)
        try ModelDrop(name: "purchase_summary_by_category", sqlDirectory: models.path).run(try db.connect())
        #expect(try db.scalar("select to_regclass('purchase_summary_by_category') is null") == "t")
        #expect(try db.count("select count(*) from rollup_models where name = 'purchase_summary_by_category'") == 0)
        #expect(throws: PipelineError.self) {
            try ModelDrop(name: "purchase_summary", sqlDirectory: models.path).run(try db.connect())
        }
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
                .replacing("select\n", with: "  select   \n\n").replacing("\n", with: "\r\n", maxReplacements: 3)
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
            $0.replacing("group by 1, 2", with: "grup by 1, 2")
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
            $0.replacing("-- window: 1 hour", with: "-- window: 7 minutes")
        }
        let set = try RollupModel.load(from: models.path)
        #expect(set.models.map(\.name) == ["purchase_summary"])
        #expect(
            set.broken.map(\.message) == [
                "purchase_summary_hourly.sql:2: window \"7 minutes\" is not one of N minutes (N dividing 60), N hours (N dividing 24), 1 day, 1 week or 1 month"
            ])
        try models.edit("purchase_summary_hourly.sql") {
            $0.replacing("-- window: 7 minutes", with: "-- window: 5 minutes")
        }
        try models.write(
            "purchase_summary.sql",
            try models.read("purchase_summary.sql").replacing("-- window: 1 minute", with: "-- window: 2 minutes"))
        #expect(
            try RollupModel.load(from: models.path).broken.map(\.message) == [
                "purchase_summary_hourly.sql: its windows (5 minutes) are not made of whole windows of purchase_summary (2 minutes), so its rows cannot be summed from purchase_summary's"
            ])
        try models.write("old.sql", "-- table: elsewhere\n-- key: window_start\n-- window: 1 hour\nselect 1\n")
        #expect(
            try RollupModel.load(from: models.path).broken.first { $0.model == "old" }?.message
                == "old.sql:1: a model's table is its file's name (old); remove `-- table: elsewhere` or rename the file"
        )
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
        let modelLines = firstPlan.dropFirst().filter { !$0.hasPrefix(" ") }
        #expect(modelLines.count == 4)
        #expect(modelLines[0].hasPrefix("purchase_summary ") && modelLines[0].contains("new (version"))
        #expect(modelLines.allSatisfy { $0.contains("recompute all history") })
        // Each model's path: the per-minute ones add, the derived ones recompute from their source's rows.
        #expect(firstPlan.contains("    windows of 1 minute, added (new events added to the stored rows where exact)"))
        #expect(firstPlan.contains { $0.hasPrefix("    windows of 1 hour, recomputed (derived from purchase_summary") })
        #expect(!firstPlan.contains { $0.contains("warning") })
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
                    && $0.hasSuffix("current: bring up to date 10 windows (10 minutes with new rows)")
            })

        try models.edit("purchase_summary_hourly.sql") {
            $0.replacing("    country,\n", with: "    upper(country) as country,\n")
        }
        try models.write("broken.sql", "-- window: 1 hour\nselect 1\n")
        try models.write(
            "buyers.sql",
            "-- key: window_start\n-- window: 1 hour\nselect purchase_window_start(created_at, '1 hour') as window_start, count(distinct user_id) as buyers from purchase_events group by 1\n"
        )
        #expect(
            try reader.read { set, db in try PlanCommand.plan(set, db) }.contains {
                $0.hasPrefix("    warning: each pass recomputes a whole 1 hour window from its raw events")
            })
        let after = try states()
        #expect(after["purchase_summary_hourly"] == "changed")
        #expect(after["purchase_summary_daily"] == "source changed")
        #expect(after["purchase_summary"] == "current")
        #expect(after["broken"] == "broken")
        #expect(
            StatusCommand.table(try reader.read { set, db in try ModelStatus.read(set, db) }).contains(
                "broken: broken.sql: the header has no `-- key: ...` line"))
    }

    /// A backfill (or a rebuild aside) runs in transactions of its own: a batch that committed after the last
    /// pass is not in it, and the pass that claims the batch adds it once (the fault suite's rollup-kill found
    /// it counted twice: by the rebuild, then added by the pass).
    @Test func aBatchCommittedBeforeABackfillIsCountedOnce() throws {
        let db = try TestDatabase()
        try load(db, id: 1, offset: 0, count: 600)
        try rollup(db)
        try load(db, id: 2, offset: 636, count: 300)  // committed, its ledger rows not claimed yet
        let set = try RollupModel.load(from: TestEnvironment.sql)
        _ = try RangeRecompute(models: set.models, from: "2026-11-01", to: "2026-12-01", logger: TestEnvironment.logger)
            .backfill(try db.connect())
        let pass = try rollup(db)
        #expect((pass.addedMinutes["purchase_summary_by_category"] ?? 0) > 0)
        #expect(try allMismatches(db) == [0, 0, 0, 0])
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
            """
            update purchase_summary set total_amount = total_amount + 1
            where window_start in ($1, $2) and country = 'DE' and currency = 'EUR'
            """,
            [first, second])
        try db.connect().execute(
            script:
                """
                insert into purchase_summary_hourly
                    (window_start, window_end, country, currency, purchase_count, item_count, total_amount)
                values ('2026-11-20T05:00:00Z', '2026-11-20T06:00:00Z', 'FR', 'EUR', 1, 1, 1.00)
                """
        )
        let tampered = try db.connect().query("select * from purchase_summary order by 1, 3").rows
        let differences = try verify()
        #expect(
            differences.map { "\($0.model) \($0.window) \($0.key)" } == [
                "purchase_summary \(first) DE EUR", "purchase_summary \(second) DE EUR",
                "purchase_summary_hourly 2026-11-20T05:00Z FR EUR",
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
