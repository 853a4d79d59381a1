import Foundation
import KafkaClient
import PostgresClient
import ProcessSupport
import Testing

@testable import Loader

/// Purchases from a producer we did not write: kcat sends JSON this test writes by hand, in every form the
/// contract allows (ids as strings or integers, money as decimal strings with the currency's places, fewer
/// or more, or as JSON numbers; times as RFC 3339 with any offset or as epoch milliseconds), in a dozen
/// currencies with 0, 2 and 3 places, re-sends some purchases in another form, and mixes in a few that
/// break the contract. The summaries must equal a recompute from the test's own integers, to the minor unit.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ForeignProducerTests {
    /// A purchase as the foreign shop knows it: plain integers, no pipeline type involved.
    struct ShopPurchase {
        var id: String
        var user: Int
        var product: Int
        var category: String
        var country: String
        var currency: String
        var quantity: Int
        /// The unit price in the currency's minor unit (yen, cents, fils).
        var priceMinor: Int
        var createdAtMilliseconds: Int64
    }

    /// ISO 4217 places of the currencies this shop sells in, written out here rather than taken from the
    /// pipeline, so that the recompute is independent.
    static let places = [
        "EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "KRW": 0, "INR": 2, "BHD": 3, "KWD": 3, "CHF": 2, "SEK": 2,
        "BRL": 2, "CLP": 0,
    ]
    static let countries = [
        ("DE", "EUR"), ("US", "USD"), ("GB", "GBP"), ("JP", "JPY"), ("KR", "KRW"), ("IN", "INR"), ("BH", "BHD"),
        ("KW", "KWD"), ("CH", "CHF"), ("SE", "SEK"), ("BR", "BRL"), ("CL", "CLP"),
    ]

    /// A small linear congruential generator, so that a failure reproduces.
    struct Dice {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// `minor` units written with the currency's places: 3500 yen, 38.97 euros, 1.234 dinars.
    static func money(_ minor: Int, _ places: Int) -> String {
        guard places > 0 else { return "\(minor)" }
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let fraction = String(minor % scale)
        return "\(minor / scale)." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// Money as a float printer writes it: 12.5, 13.
    static func floatStyle(_ minor: Int, _ places: Int) -> String {
        var text = money(minor, places)
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A total as Postgres prints it, back in minor units (`"1.5"` with 3 places is 1500).
    static func minorUnits(_ text: String, _ places: Int) -> Int {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let padded =
            fraction.count >= places
            ? String(fraction.prefix(places)) : fraction + String(repeating: "0", count: places - fraction.count)
        return Int(String(parts[0]) + padded)!
    }

    /// RFC 3339 at a UTC offset of `offsetMinutes` (the same instant, written as a shop in that zone would).
    static func rfc3339(_ milliseconds: Int64, offsetMinutes: Int) -> String {
        let local = Date(timeIntervalSince1970: Double(milliseconds + Int64(offsetMinutes) * 60_000) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: local)
        let zone =
            offsetMinutes == 0
            ? "Z"
            : String(
                format: "%@%02d:%02d", offsetMinutes < 0 ? "-" : "+", abs(offsetMinutes) / 60, abs(offsetMinutes) % 60)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d%@", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
            Int(milliseconds % 1000), zone)
    }

    /// The purchase as JSON, each field in the form `dice` picks.
    static func json(_ p: ShopPurchase, _ dice: inout Dice) -> String {
        let user = dice.next(2) == 0 ? "\(p.user)" : "\"\(p.user)\""
        let product = dice.next(2) == 0 ? "\(p.product)" : "\"\(p.product)\""
        let places = Self.places[p.currency]!
        let amountMinor = p.priceMinor * p.quantity
        let (price, amount): (String, String) =
            switch dice.next(4) {
            case 0: ("\"\(money(p.priceMinor, places))\"", "\"\(money(amountMinor, places))\"")
            case 1: (floatStyle(p.priceMinor, places), floatStyle(amountMinor, places))
            // A string with fewer places, or with zeros beyond the currency's: "12.5", "3500.00".
            case 2:
                (
                    "\"\(floatStyle(p.priceMinor, places))\"",
                    "\"\(money(amountMinor, places) + (places == 0 ? ".00" : "0"))\""
                )
            default: (money(p.priceMinor, places), "\"\(money(amountMinor, places))\"")
            }
        let time =
            switch dice.next(3) {
            case 0: "\(p.createdAtMilliseconds)"
            case 1: "\"\(rfc3339(p.createdAtMilliseconds, offsetMinutes: 0))\""
            default: "\"\(rfc3339(p.createdAtMilliseconds, offsetMinutes: [-300, 60, 330][dice.next(3)]))\""
            }
        return """
            {"created_at":\(time),"purchase_id":"\(p.id)","user_id":\(user),"product_id":\(product),\
            "category":"\(p.category)","country":"\(p.country)","quantity":\(p.quantity),"unit_price":\(price),\
            "amount":\(amount),"currency":"\(p.currency)","payment_method":"card","source":{"shop":"pos-7"}}
            """
    }

    /// Totals of one window and group, in the currency's minor unit.
    struct Totals: Equatable {
        var purchases = 0
        var items = 0
        var minor = 0
    }

    /// A summary table's rows keyed by "epoch group currency", `group` its `column`.
    static func stored(_ db: TestDatabase, _ table: String, _ column: String) throws -> [String: Totals] {
        let rows = try db.connect().query(
            """
            select extract(epoch from window_start)::bigint, \(column), currency, purchase_count, item_count,
                   total_amount::text
            from \(table)
            """)
        var found: [String: Totals] = [:]
        for row in 0..<rows.rowCount {
            let currency = try rows.value(String.self, row: row, column: 2)
            let key =
                "\(try rows.value(Int64.self, row: row, column: 0)) \(try rows.value(String.self, row: row, column: 1)) \(currency)"
            found[key] = Totals(
                purchases: try rows.value(Int.self, row: row, column: 3),
                items: try rows.value(Int.self, row: row, column: 4),
                minor: minorUnits(try rows.value(String.self, row: row, column: 5), places[currency]!))
        }
        return found
    }

    @Test func aMixedFormStreamInTwelveCurrenciesFromKcatLoadsToTheMinorUnit() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 4)
        var dice = Dice()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var sent: [ShopPurchase] = []
        var lines: [String] = []
        var broken: [String: Int] = [:]
        for index in 0..<6_000 {
            let roll = dice.next(100)
            if roll < 3, !sent.isEmpty {
                // The shop's retry, written in whatever form this time: the same purchase, counted once.
                let again = sent[dice.next(sent.count)]
                lines.append("\(again.user)\t\(Self.json(again, &dice))")
                continue
            }
            let (country, own) = Self.countries[dice.next(Self.countries.count)]
            // One in ten pays in dollars or euros instead of the country's currency.
            let currency = dice.next(10) == 0 ? ["USD", "EUR"][dice.next(2)] : own
            let places = Self.places[currency]!
            let scale = [1, 10, 100, 1_000][places]
            let purchase = ShopPurchase(
                id: UUID().uuidString.lowercased(), user: 7_000 + dice.next(3_000), product: 1 + dice.next(900),
                category: ["garden", "books", "toys"][dice.next(3)], country: country, currency: currency,
                quantity: 1 + dice.next(4), priceMinor: 1 + dice.next(500 * scale) * (places == 0 ? 100 : 1),
                createdAtMilliseconds: now - Int64(dice.next(30 * 60_000)))
            var text = Self.json(purchase, &dice)
            if roll < 5 {
                // Broken: a place beyond the currency's (yen with a fraction, euros or dinars with one more),
                // an exponent, or NaN. Dead-lettered, the rest untouched.
                let beyond = Self.money(purchase.priceMinor * purchase.quantity, places) + (places == 0 ? ".5" : "5")
                let bad = ["\"amount\":\"\(beyond)\",", "\"amount\":1e2,", "\"amount\":NaN,"][index % 3]
                text = text.replacingOccurrences(of: #""amount":[^,]+,"#, with: bad, options: .regularExpression)
                broken[index % 3 == 0 ? "beyond \(currency)" : "form", default: 0] += 1
            } else {
                sent.append(purchase)
            }
            lines.append("\(purchase.user)\t\(text)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString).tsv")
        defer { try? FileManager.default.removeItem(at: file) }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        _ = try ExternalTool.kcat.run([
            "-P", "-b", kafka.cluster.bootstrapServers, "-t", kafka.topic, "-K", "\t", "-l", file.path,
        ])

        let statistics = try kafka.loader(db).run(stop: StopSignal())
        let brokenCount = broken.values.reduce(0, +)
        #expect(try db.count("select sum(next_offset) from loader_offsets") == lines.count)
        #expect(statistics.deadLetters == brokenCount)
        #expect(
            try db.count("select count(*) from dead_letters where reason_kind in ('money', 'not_json')") == brokenCount)
        // Yen with a fraction and euros with a third place are among them, each for its currency's places.
        #expect(broken["beyond JPY", default: 0] > 0 && broken["beyond EUR", default: 0] > 0)
        #expect(
            try db.count(
                "select count(*) from dead_letters where reason like '%more decimal places than JPY, whose minor unit has 0%'"
            )
                == broken["beyond JPY"])
        #expect(
            try db.count(
                "select count(*) from dead_letters where reason like '%more decimal places than EUR, whose minor unit has 2%'"
            )
                == broken["beyond EUR"])
        try rollup(db)

        // The recompute: each purchase once, minute windows, integer minor units, per country and currency
        // and per category and currency.
        var byCountry: [String: Totals] = [:]
        var byCategory: [String: Totals] = [:]
        for p in sent {
            let minute = p.createdAtMilliseconds / 60_000 * 60
            for key in ["\(minute) \(p.country) \(p.currency)", "\(minute) \(p.category) \(p.currency) category"] {
                var totals = (key.hasSuffix("category") ? byCategory : byCountry)[key, default: Totals()]
                totals.purchases += 1
                totals.items += p.quantity
                totals.minor += p.priceMinor * p.quantity
                if key.hasSuffix("category") { byCategory[key] = totals } else { byCountry[key] = totals }
            }
        }
        byCategory = Dictionary(
            uniqueKeysWithValues: byCategory.map { (String($0.key.dropLast(" category".count)), $0.value) })
        #expect(Set(sent.map(\.currency)).count == 12 && brokenCount > 100)
        for (table, column, expected) in [
            ("purchase_summary", "country", byCountry), ("purchase_summary_by_category", "category", byCategory),
        ] {
            let found = try Self.stored(db, table, column)
            #expect(found.count == expected.count, "\(table)")
            let wrong = expected.filter { found[$0.key] != $0.value }
            #expect(
                wrong.isEmpty,
                "\(table): \(wrong.count) windows differ, e.g. \(wrong.first.map { "\($0) found \(String(describing: found[$0.key]))" } ?? "")"
            )
        }

        // Ids sent as 7940 or as "7940" are stored as the same text, and times in any form as one instant.
        let stored = try db.connect().query(
            "select purchase_id::text, user_id, product_id, (extract(epoch from created_at) * 1000)::bigint from purchase_events"
        )
        var ids: [String: String] = [:]
        for row in 0..<stored.rowCount {
            ids[try stored.value(String.self, row: row, column: 0)] =
                "\(try stored.value(String.self, row: row, column: 1)) \(try stored.value(String.self, row: row, column: 2)) \(try stored.value(Int64.self, row: row, column: 3))"
        }
        #expect(ids.count == sent.count)
        #expect(sent.allSatisfy { ids[$0.id] == "\($0.user) \($0.product) \($0.createdAtMilliseconds)" })
    }
}
