import Foundation
import KafkaClient
import PostgresClient
import ProcessSupport
import Testing

@testable import Loader

/// Purchases from a producer we did not write: kcat sends JSON this test writes by hand, in every form the
/// contract allows (ids as strings or integers, money as decimal strings or JSON numbers, times as RFC 3339
/// with any offset or as epoch milliseconds), re-sends some purchases in another form, and mixes in a few
/// that break the contract. The summary must equal a recompute from the test's own integers, to the cent.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ForeignProducerTests {
    /// A purchase as the foreign shop knows it: plain integers, no pipeline type involved.
    struct ShopPurchase {
        var id: String
        var user: Int
        var product: Int
        var country: String
        var quantity: Int
        var priceCents: Int
        var createdAtMilliseconds: Int64
    }

    /// A small linear congruential generator, so that a failure reproduces.
    struct Dice {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func money(_ cents: Int) -> String { "\(cents / 100).\(String(format: "%02d", cents % 100))" }

    /// Money as a float printer writes it: 12.5, 13.
    static func floatStyle(_ cents: Int) -> String {
        var text = money(cents)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
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
        let amountCents = p.priceCents * p.quantity
        let (price, amount): (String, String) =
            switch dice.next(3) {
            case 0: ("\"\(money(p.priceCents))\"", "\"\(money(amountCents))\"")
            case 1: (floatStyle(p.priceCents), floatStyle(amountCents))
            default: (money(p.priceCents), "\"\(money(amountCents))\"")
            }
        let time =
            switch dice.next(3) {
            case 0: "\(p.createdAtMilliseconds)"
            case 1: "\"\(rfc3339(p.createdAtMilliseconds, offsetMinutes: 0))\""
            default: "\"\(rfc3339(p.createdAtMilliseconds, offsetMinutes: [-300, 60, 330][dice.next(3)]))\""
            }
        let currency = ["DE": "EUR", "US": "USD", "GB": "GBP", "JP": "JPY", "IN": "INR"][p.country]!
        return """
            {"created_at":\(time),"purchase_id":"\(p.id)","user_id":\(user),"product_id":\(product),\
            "category":"garden","country":"\(p.country)","quantity":\(p.quantity),"unit_price":\(price),\
            "amount":\(amount),"currency":"\(currency)","payment_method":"card","source":{"shop":"pos-7"}}
            """
    }

    @Test func aMixedFormStreamFromKcatLoadsToTheCent() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 4)
        var dice = Dice()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var sent: [ShopPurchase] = []
        var lines: [String] = []
        var broken = 0
        for index in 0..<6_000 {
            let roll = dice.next(100)
            if roll < 3, !sent.isEmpty {
                // The shop's retry, written in whatever form this time: the same purchase, counted once.
                let again = sent[dice.next(sent.count)]
                lines.append("\(again.user)\t\(Self.json(again, &dice))")
                continue
            }
            let purchase = ShopPurchase(
                id: UUID().uuidString.lowercased(), user: 7_000 + dice.next(3_000), product: 1 + dice.next(900),
                country: ["DE", "US", "GB", "JP", "IN"][dice.next(5)], quantity: 1 + dice.next(4),
                priceCents: 1 + dice.next(50_000), createdAtMilliseconds: now - Int64(dice.next(30 * 60_000)))
            var text = Self.json(purchase, &dice)
            if roll < 4 {
                // Broken: a third decimal place, an exponent, or NaN. Dead-lettered, the rest untouched.
                let bad = ["\"amount\":1.005,", "\"amount\":1e2,", "\"amount\":NaN,"][index % 3]
                text = text.replacingOccurrences(of: #""amount":[^,]+,"#, with: bad, options: .regularExpression)
                broken += 1
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
        #expect(try db.count("select sum(next_offset) from loader_offsets") == lines.count)
        #expect(statistics.deadLetters == broken)
        #expect(try db.count("select count(*) from dead_letters") == broken)
        try rollup(db)

        // The recompute: each purchase once, minute windows, integer cents.
        struct Totals: Equatable {
            var purchases = 0
            var items = 0
            var cents = 0
        }
        var expected: [String: Totals] = [:]
        for p in sent {
            let key = "\(p.createdAtMilliseconds / 60_000 * 60) \(p.country)"
            expected[key, default: Totals()].purchases += 1
            expected[key, default: Totals()].items += p.quantity
            expected[key, default: Totals()].cents += p.priceCents * p.quantity
        }
        var found: [String: Totals] = [:]
        let rows = try db.connect().query(
            """
            select extract(epoch from window_start)::bigint, country, purchase_count, item_count,
                   (total_amount * 100)::bigint
            from purchase_summary
            """)
        for row in 0..<rows.rowCount {
            let key =
                "\(try rows.value(Int64.self, row: row, column: 0)) \(try rows.value(String.self, row: row, column: 1))"
            found[key] = Totals(
                purchases: try rows.value(Int.self, row: row, column: 2),
                items: try rows.value(Int.self, row: row, column: 3),
                cents: try rows.value(Int.self, row: row, column: 4))
        }
        #expect(expected.count > 140 && broken > 50)
        #expect(found.count == expected.count)
        let wrong = expected.filter { found[$0.key] != $0.value }
        #expect(
            wrong.isEmpty,
            "\(wrong.count) windows differ, e.g. \(wrong.first.map { "\($0) found \(found[$0.key]!)" } ?? "")")

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
