import Foundation
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Testing

@testable import Loader

/// Dead letters written under the old rule (money in hundredths: yen and won as strings refused) come back
/// with `loader replay-dead-letters`: the valid ones load once, however often the replay runs or is killed,
/// and the totals then equal a computation over every valid purchase.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DeadLetterReplayTests {
    /// The old loader's reason for a yen amount sent as a string.
    static let oldReason =
        #"unit_price "3500" is not a decimal string with two places and at most 12 digits before the point"#

    struct Fixture {
        let db: TestDatabase
        /// What must be in the summaries once everything valid is loaded: (currency, purchases, amount).
        var expected: [String: (purchases: Int, amount: Money)] = [:]
        var replayable = 0
        var stillInvalid = 0
    }

    /// 200 euro purchases loaded on time, then 1,200 yen, won and dinar purchases and 40 yen amounts with a
    /// fraction, dead-lettered as the old rule did, all in minutes the first pass makes final; and one
    /// valid purchase older than raw retention's kept_from.
    func fixture() throws -> Fixture {
        var fixture = Fixture(db: try TestDatabase())
        var factory = PurchaseFactory()
        var loaded: [(PurchaseEvent, partition: Int32, offset: Int64)] = []
        for i in 0..<200 {
            let event = factory.purchase(
                at: String(format: "2026-11-24T12:%02d:%02d.000Z", i % 60, i % 60), quantity: Int32(1 + i % 3),
                unitPrice: "\(5 + i % 20).99")
            loaded.append((event, partition: 0, offset: Int64(i)))
            fixture.expected["EUR", default: (0, Money(minorUnits: 0, exponent: 2))].purchases += 1
            fixture.expected["EUR"]!.amount += event.amount
        }
        try DirectLoader().load(id: 1, loaded, into: try fixture.db.connect())

        var values: [String] = []
        for i in 0..<1_240 {
            let (country, currency, price) = [
                ("JP", "JPY", "\(300 + i)"), ("KR", "KRW", "\(5_000 + i * 10)"),
                ("BH", "BHD", "1.\(String(format: "%03d", i % 1_000))"),
            ][i % 3]
            var event = factory.purchase(
                at: String(format: "2026-11-24T11:%02d:%02d.%03dZ", i % 60, (i * 7) % 60, i % 1_000), country: country,
                currency: currency, quantity: Int32(1 + i % 2), unitPrice: price)
            var text = String(decoding: event.jsonBytes, as: UTF8.self)
            if i >= 1_200 {
                // Still invalid today: yen with a fraction.
                event.currency = "JPY"
                text = String(decoding: event.jsonBytes, as: UTF8.self)
                    .replacingOccurrences(of: "\"currency\":\"\(currency)\"", with: "\"currency\":\"JPY\"")
                    .replacingOccurrences(
                        of: "\"unit_price\":\"\(event.unitPrice)\"", with: "\"unit_price\":\"3500.50\"")
                fixture.stillInvalid += 1
            } else {
                fixture.replayable += 1
                let zero = Money(minorUnits: 0, exponent: event.amount.exponent)
                fixture.expected[currency, default: (0, zero)].purchases += 1
                fixture.expected[currency]!.amount += event.amount
            }
            values.append(text)
        }
        // Older than kept_from: valid, but its window's raw rows are gone.
        let old = factory.purchase(at: "2026-11-10T08:00:00Z", country: "JP", currency: "JPY", unitPrice: "900")
        values.append(String(decoding: old.jsonBytes, as: UTF8.self))
        fixture.stillInvalid += 1
        try fixture.db.connect().execute(
            script: """
                insert into staging_retention (kept_from) values ('2026-11-20T00:00:00Z');
                insert into load_batches (id, consumer_group, row_count, dead_letter_count) values (2, 'test', 0, \(values.count));
                select setval('load_batch_ids', 2);  -- as a loader's batches would have taken them
                """)
        try fixture.db.connect().query(
            """
            insert into dead_letters (kafka_topic, kafka_partition, kafka_offset, message_key, message_value, reason,
                                      reason_kind, load_batch_id)
            select 'purchases', 1, 1000 + n - 1, null, convert_to(v, 'UTF8'), $2, 'money', 2
            from unnest($1::text[]) with ordinality as m (v, n)
            """, [PostgresArray.text(values), Self.oldReason])
        return fixture
    }

    /// `loader replay-dead-letters` as operators run it, the debug build next to the tests.
    func replayProcess(_ db: TestDatabase, _ arguments: [String] = []) throws -> (Process, Pipe, Pipe) {
        let path = TestEnvironment.packageRoot + "/.build/debug/loader"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ExternalTool.Failure(description: "\(path) is missing: build first (swift build)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments =
            ["replay-dead-letters", "--database-url", db.settings, "--log-level", "warning"] + arguments
        let (output, errors) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return (process, output, errors)
    }

    func replay(_ db: TestDatabase, _ arguments: [String] = []) throws -> String {
        let (process, output, errors) = try replayProcess(db, arguments)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text) \(problems)")
        return text
    }

    @Test func oldDeadLettersLoadOnceAndTheTotalsAddUp() throws {
        let f = try fixture()
        let db = f.db
        try rollup(db)
        #expect(try db.count("select count(*) from purchase_summary where currency = 'JPY'") == 0)
        #expect(try db.count("select count(*) from purchase_summary where is_final") > 0)

        // Dry: counts, writes nothing.
        let dry = try replay(db, ["--dry-run"])
        #expect(dry.contains("\(f.replayable + f.stillInvalid) dead letters examined: \(f.replayable) would load"))
        #expect(try db.count("select count(*) from dead_letters where replayed_at is not null") == 0)
        #expect(try db.scalar("select count(*) from dead_letters where reason = $1", [Self.oldReason]) == "1241")

        // Killed midway with small chunks: what committed is loaded and marked, nothing else.
        let (process, _, _) = try replayProcess(db, ["--chunk-size", "5", "--log-level", "error"])
        var marked = 0
        for _ in 0..<400 where marked < 100 {
            usleep(10_000)
            marked = try db.count("select count(*) from dead_letters where replayed_at is not null")
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let afterKill = try db.count("select count(*) from dead_letters where replayed_at is not null")
        #expect(afterKill > 0 && afterKill < f.replayable, "killed after \(afterKill) replayed")
        let consistent = """
            select count(*) from staging_purchases as s
            join load_batches as b on b.id = s.load_batch_id and b.origin = 'replay'
            """
        #expect(try db.count(consistent) == afterKill)

        // Again, to the end; and once more, which loads nothing.
        let output = try replay(db)
        #expect(output.contains("\(f.replayable - afterKill) loaded, \(f.stillInvalid) still failing"), "\(output)")
        #expect(try replay(db).contains(": 0 loaded, \(f.stillInvalid) still failing"))
        #expect(try db.count(consistent) == f.replayable)
        #expect(
            try db.count(
                """
                select count(*) from (select 1 from staging_purchases
                group by kafka_topic, kafka_partition, kafka_offset having count(*) > 1) as twice
                """) == 0)

        // The ones that still fail say why under today's rules.
        #expect(
            try db.count(
                "select count(*) from dead_letters where replayed_at is null and reason like '%more decimal places than JPY%'"
            )
                == f.stillInvalid - 1)
        #expect(
            try db.count(
                "select count(*) from dead_letters where replayed_at is null and reason like '%before raw retention''s kept_from%'"
            )
                == 1)

        // The next pass counts them: every currency's totals equal the computation, to the minor unit, and
        // the replayed events corrected their final windows without counting as late events.
        try rollup(db)
        #expect(try db.summaryMismatches() == 0)
        let stored = try db.connect().query(
            "select currency, sum(purchase_count)::text, sum(total_amount)::text from purchase_summary group by 1"
        ).rows
        let found = Dictionary(uniqueKeysWithValues: stored.map { ($0[0]!, "\($0[1]!) \($0[2]!)") })
        #expect(found == f.expected.mapValues { "\($0.purchases) \($0.amount)" })
        #expect(try db.count("select coalesce(sum(late_events), 0) from rollup_late_events") == 0)
        #expect(
            try db.count("select count(*) from purchase_summary where currency = 'JPY' and corrected_after_final") > 0)
    }
}
