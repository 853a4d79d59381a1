import Foundation
import PostgresClient
import PurchaseEvents
import Testing

@testable import Rollup

/// Converted totals (migration V018): each per-minute total divided by the rate of its UTC day, rounded to
/// the reporting currency's minor unit, then summed. Checked against a conversion this test does itself with
/// the shipped rates; a corrected rate changes its days and no others; a day without a rate is not
/// convertible, never zero.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ConversionTests {
    static let ratesFile = TestEnvironment.packageRoot + "/data/exchange_rates.csv"

    /// The shipped file's rates, (currency, day) → units per dollar, read here without the pipeline.
    static func shippedRates() throws -> [String: [(day: String, rate: Decimal)]] {
        var rates: [String: [(day: String, rate: Decimal)]] = [:]
        for line in try String(contentsOfFile: ratesFile, encoding: .utf8).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", maxSplits: 3)
            rates[String(fields[0]), default: []].append((String(fields[1]), Decimal(string: String(fields[2]))!))
        }
        return rates.mapValues { $0.sorted { $0.day < $1.day } }
    }

    /// `amount` in dollars at the latest rate on or before `day`, rounded half away from zero to the cent.
    static func dollars(
        _ amount: Decimal, _ currency: String, on day: String, _ rates: [String: [(day: String, rate: Decimal)]]
    )
        -> Decimal?
    {
        if currency == "USD" { return amount }
        guard let rate = rates[currency]?.last(where: { $0.day <= day })?.rate else { return nil }
        var quotient = amount / rate
        var rounded = Decimal()
        NSDecimalRound(&rounded, &quotient, 2, .plain)
        return rounded
    }

    /// Three days of purchases in five currencies, loaded and rolled up, with the shipped rates loaded.
    func loaded() throws -> TestDatabase {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        var rows: [(PurchaseEvent, partition: Int32, offset: Int64)] = []
        let currencies = [
            ("DE", "EUR", "12.34"), ("JP", "JPY", "1980"), ("KR", "KRW", "15400"), ("BH", "BHD", "4.125"),
            ("US", "USD", "9.99"),
        ]
        for i in 0..<900 {
            let (country, currency, price) = currencies[i % currencies.count]
            let day = ["2026-02-02", "2026-02-03", "2026-02-04"][i % 3]
            rows.append(
                (
                    factory.purchase(
                        at: String(format: "%@T10:%02d:%02d.%03dZ", day, i % 60, (i * 7) % 60, i % 1_000),
                        country: country, currency: currency, quantity: Int32(1 + i % 4), unitPrice: price),
                    partition: 0, offset: Int64(i)
                ))
        }
        try DirectLoader().load(id: 1, rows, into: try db.connect())
        try rollup(db)
        _ = try RateFile(path: Self.ratesFile).load(into: try db.connect())
        return db
    }

    /// Per (UTC day, country): the converted total the database gives, nil where it does not convert.
    func converted(_ db: TestDatabase) throws -> [String: String?] {
        let rows = try db.connect().query(
            """
            select (window_start at time zone 'UTC')::date::text || ' ' || country,
                   case when count(*) = count(converted_amount) then sum(converted_amount) end::text
            from converted_purchase_minutes('2026-02-01', '2026-02-06') group by 1
            """
        ).rows
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0]!, $0[1]) })
    }

    @Test func convertedTotalsEqualAnIndependentConversionAndFollowACorrectedRate() throws {
        let db = try loaded()
        let rates = try Self.shippedRates()
        // The independent conversion: each per-minute, per-currency total from the table, converted here.
        let minutes = try db.connect().query(
            """
            select (window_start at time zone 'UTC')::date::text, country, currency, total_amount::text
            from purchase_summary
            """
        ).rows
        var expected: [String: Decimal] = [:]
        for row in minutes {
            let amount = Decimal(string: row[3]!)!
            expected["\(row[0]!) \(row[1]!)", default: 0] += Self.dollars(amount, row[2]!, on: row[0]!, rates)!
        }
        let before = try converted(db)
        #expect(before.count == 15)
        #expect(before.mapValues { $0.flatMap { Decimal(string: $0) } } == expected.mapValues { Optional($0) })

        // `rollup verify`'s check agrees, and finds a tampered per-currency minute in the reporting currency too.
        let differences = "select count(*) from converted_totals_differences('2026-02-01', '2026-02-06')"
        #expect(try db.count(differences) == 0)
        let firstEuroMinute = """
            (select window_start, country from purchase_summary where currency = 'EUR' order by 1 limit 1)
            """
        try db.connect().execute(
            script:
                "update purchase_summary set total_amount = total_amount + 1 where (window_start, country) = \(firstEuroMinute)"
        )
        #expect(try db.count(differences) == 1)
        try db.connect().execute(
            script:
                "update purchase_summary set total_amount = total_amount - 1 where (window_start, country) = \(firstEuroMinute)"
        )

        // The yen rate of 2026-02-03 is corrected: that day's Japanese totals change, nothing else does.
        let corrected = NSTemporaryDirectory() + "rates-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: corrected) }
        try "currency,valid_from,units_per_usd,source\nJPY,2026-02-03,100,corrected\n".write(
            toFile: corrected, atomically: true, encoding: .utf8)
        let loaded = try RateFile(path: corrected).load(into: try db.connect())
        #expect(loaded.changed == 1 && loaded.added == 0)
        let after = try converted(db)
        let changed = Set(after.keys.filter { after[$0]! != before[$0]! })
        #expect(changed == ["2026-02-03 JP"])
        let yen = try db.scalar(
            "select sum(total_amount)::text from purchase_summary where currency = 'JPY' and window_start::date = '2026-02-03'"
        )!
        var quotient = Decimal(string: yen)! / 100
        var dollars = Decimal()
        NSDecimalRound(&dollars, &quotient, 2, .plain)
        #expect(after["2026-02-03 JP"]!.flatMap { Decimal(string: $0) } == dollars)

        // Without a dinar rate, no Bahraini minute converts: those days show no total, never a smaller one.
        try db.connect().execute(script: "delete from exchange_rates where currency = 'BHD'")
        let noRate = try converted(db)
        #expect(noRate.filter { $0.key.hasSuffix(" BH") }.allSatisfy { $0.value == nil })
        #expect(noRate.filter { !$0.key.hasSuffix(" BH") }.allSatisfy { $0.value != nil })
    }

    /// A bad file loads nothing and says why.
    @Test func aBadRatesFileLoadsNothing() throws {
        let db = try TestDatabase()
        let path = NSTemporaryDirectory() + "rates-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "currency,valid_from,units_per_usd\nJPY,2026-02-03,150\nXYZ,2026-02-03,2\nEUR,2026-02-03,0\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try RateFile(path: path).load(into: try db.connect())
        } throws: { error in
            "\(error)".contains("unknown currency codes XYZ")
                && "\(error)".contains("1 rows with an empty field or a rate not above 0")
        }
        #expect(try db.count("select count(*) from exchange_rates") == 0)
        try "date,rate\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { _ = try RateFile(path: path) }
    }
}
