import PostgresClient
import ProcessSupport
import PurchaseEvents
import Testing

@testable import Generator
@testable import Loader
@testable import Rollup
@testable import RollupEngine

@Suite struct CopyRoundTripTests {
    @Test func binaryCopyKeepsEveryValueExact() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        var events = [
            factory.purchase(at: "2026-11-24T10:00:00.001Z", quantity: 1, unitPrice: "0.01"),
            factory.purchase(at: "2026-11-24T10:00:59.999Z", quantity: 10_000, unitPrice: "1000000.00"),
            factory.purchase(at: "2001-02-03T04:05:06.789Z", quantity: 3, unitPrice: "12345.67"),
            factory.purchase(at: "2026-11-24T23:59:59.999Z", quantity: 7, unitPrice: "10000.00"),
            // Each currency's own scale: yen without places, dinars with three.
            factory.purchase(at: "2026-11-24T11:00:00Z", currency: "JPY", quantity: 3, unitPrice: "3500"),
            factory.purchase(at: "2026-11-24T11:00:01Z", currency: "BHD", quantity: 2, unitPrice: "1.234"),
            factory.purchase(at: "2026-11-24T11:00:02Z", currency: "VND", quantity: 10_000, unitPrice: "10000000000"),
        ]
        events[1].userID = "ünïcødé ✓ \"quoted\" \\ tab\t"
        events[2].productID = String(repeating: "p", count: 64)
        var simulator = PurchaseSimulator(seed: 3)
        for i in 0..<2_000 {
            events.append(
                simulator.next(
                    createdAt: EventTime(microsecondsSinceEpoch: 1_795_500_000_000_000 + Int64(i) * 7_919_000)))
        }
        let rows = events.enumerated().map { ($0.element, partition: Int32($0.offset % 3), offset: Int64($0.offset)) }
        try DirectLoader().load(id: 1, rows, into: try db.connect())

        let result = try db.connect().query(
            """
            select purchase_id::text, user_id, product_id, category, country, quantity::text, unit_price::text,
                   amount::text, currency, payment_method,
                   to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), kafka_offset
            from staging_purchases order by kafka_offset
            """)
        #expect(result.rowCount == events.count)
        for (i, event) in events.enumerated() {
            let row = result.rows[i]
            let expected: [String?] = [
                event.purchaseID.description, event.userID, event.productID, event.category, event.country,
                String(event.quantity), event.unitPrice.description, event.amount.description, event.currency,
                event.paymentMethod, event.createdAt.description, String(i),
            ]
            #expect(row == expected)
        }
        // Sums per currency keep each currency's scale, exactly.
        var sums: [String: Money] = [:]
        for event in events { sums[event.currency] = sums[event.currency].map { $0 + event.amount } ?? event.amount }
        let stored = try db.connect().query("select currency, sum(amount)::text from staging_purchases group by 1").rows
        #expect(Dictionary(uniqueKeysWithValues: stored.map { ($0[0]!, $0[1]!) }) == sums.mapValues(\.description))
        // Event times far from now land in the default partition, and still load.
        #expect(try db.count("select count(*) from staging_purchases_default") >= 1)
        #expect(
            try db.count("select count(*) from ingest_ledger where load_batch_id = 1")
                == Set(events.map(\.createdAt.minuteEpochSeconds)).count)
    }
}
