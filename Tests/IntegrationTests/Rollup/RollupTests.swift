import Foundation
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Synchronization
import Testing

@testable import Generator
@testable import Loader
@testable import Rollup
@testable import RollupEngine

@Suite(.serialized) struct RollupTests {
    @Test func runningTwiceChangesNothing() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let rows = (0..<300).map { i in
            (
                factory.purchase(
                    at: "2026-11-24T10:0\(i % 5):\(10 + i % 40).000Z", country: ["DE", "FR", "US"][i % 3]),
                partition: Int32(0), offset: Int64(i)
            )
        }
        try DirectLoader().load(id: 1, rows, into: try db.connect())
        let first = try rollup(db)
        #expect(first.minutesClaimed == 5)
        #expect(first.rowsByModel["purchase_summary"] == 15)
        let snapshot = try db.connect().query("select * from purchase_summary order by 1, 3").rows
        let second = try rollup(db)
        #expect(second.minutesClaimed == 0)
        let full = try rollup(db, full: true)
        #expect(full.minutesClaimed == 0)
        #expect(full.recomputed.count == 4)
        #expect(full.rowsUpserted == 0)
        #expect(try db.connect().query("select * from purchase_summary order by 1, 3").rows == snapshot)
        #expect(try db.summaryMismatches() == 0)
    }

    @Test func aLateEventCorrectsItsOldWindow() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        try loader.load(
            id: 1, [(factory.purchase(at: "2026-11-24T10:00:30Z", unitPrice: "5.00"), partition: 0, offset: 0)],
            into: try db.connect())
        try rollup(db)
        try loader.load(
            id: 2, [(factory.purchase(at: "2026-11-24T10:07:00Z"), partition: 0, offset: 1)], into: try db.connect(),
            expected: [0: 1])
        try rollup(db)
        #expect(
            try db.scalar("select total_amount::text from purchase_summary where window_start = '2026-11-24T10:00:00Z'")
                == "10.00")
        // The late one: event time in the 10:00 window, loaded after 10:07.
        try loader.load(
            id: 3,
            [
                (
                    factory.purchase(at: "2026-11-24T10:00:59.999Z", quantity: 1, unitPrice: "0.01"), partition: 0,
                    offset: 2
                )
            ], into: try db.connect(), expected: [0: 2])
        let pass = try rollup(db)
        #expect(pass.minutesClaimed == 1)
        #expect(
            try db.connect().query(
                "select purchase_count::text, item_count::text, total_amount::text from purchase_summary where window_start = '2026-11-24T10:00:00Z'"
            ).rows == [["2", "3", "10.01"]])
        #expect(try db.summaryMismatches() == 0)
    }

    @Test func aPurchaseSentTwiceCountsOnce() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        let original = factory.purchase(at: "2026-11-24T10:05:00Z", country: "FR", unitPrice: "20.00")
        try loader.load(
            id: 1, [(original, partition: 0, offset: 0), (original, partition: 1, offset: 0)], into: try db.connect())
        try rollup(db)
        #expect(
            try db.connect().query("select purchase_count::text, total_amount::text from purchase_summary").rows == [
                ["1", "40.00"]
            ])

        // The same purchase_id with another event time is another event: it counts in its own window, and the
        // 10:05 window keeps its purchase.
        var retimed = original
        retimed.createdAt = EventTime("2026-11-24T10:01:00Z")!
        try loader.load(id: 2, [(retimed, partition: 0, offset: 1)], into: try db.connect(), expected: [0: 1, 1: 1])
        try rollup(db)
        #expect(
            try db.connect().query(
                "select to_char(window_start at time zone 'UTC', 'HH24:MI'), purchase_count::text from purchase_summary order by 1"
            ).rows
                == [["10:01", "1"], ["10:05", "1"]])

        // Copies that disagree count once, as the copy with the lowest (topic, partition, offset).
        var conflicting = original
        conflicting.country = "DE"
        try loader.load(
            id: 3, [(conflicting, partition: 2, offset: 0)], into: try db.connect(), expected: [0: 2, 1: 1])
        try rollup(db)
        #expect(
            try db.connect().query(
                "select country, purchase_count::text from purchase_summary where window_start = '2026-11-24T10:05:00Z'"
            ).rows
                == [["FR", "1"]])
        #expect(try db.summaryMismatches() == 0)
    }

    /// The trap: loader transactions commit out of order. A batch with a lower id that commits after a
    /// rollup pass has seen a higher one must still be rolled up.
    @Test func loadsCommittingOutOfOrderAroundARollupAreNotMissed() throws {
        let db = try TestDatabase()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        let slow = try db.connect()
        let fast = try db.connect()
        try slow.execute(script: "begin")
        try loader.write(
            loader.batch(
                id: 1, [(factory.purchase(at: "2026-11-24T10:01:10Z", unitPrice: "1.00"), partition: 0, offset: 0)]),
            to: slow)
        try fast.execute(script: "begin")
        try loader.write(
            loader.batch(
                id: 2, [(factory.purchase(at: "2026-11-24T10:02:10Z", unitPrice: "2.00"), partition: 1, offset: 0)]),
            to: fast)
        try fast.execute(script: "commit")

        let first = try rollup(db)
        #expect(first.minutesClaimed == 1)
        #expect(try db.count("select count(*) from purchase_summary") == 1)

        try slow.execute(script: "commit")
        let second = try rollup(db)
        #expect(second.minutesClaimed == 1)
        #expect(
            try db.connect().query(
                "select to_char(window_start at time zone 'UTC', 'HH24:MI'), total_amount::text from purchase_summary order by 1"
            ).rows
                == [["10:01", "2.00"], ["10:02", "4.00"]])
        #expect(try db.summaryMismatches() == 0)
        // Each pass records the batches it claimed: the later-committed, lower-numbered one went second.
        #expect(
            try db.connect().query("select load_batches::text from rollup_runs order by id").rows == [["{2}"], ["{1}"]])
    }

    @Test func threeConcurrentRollupsEqualOne() throws {
        let db = try TestDatabase()
        var simulator = PurchaseSimulator(seed: 21)
        let start = EventTime("2026-11-24T09:00:00Z")!.microsecondsSinceEpoch
        let rows = (0..<20_000).map { i in
            (
                simulator.next(createdAt: EventTime(microsecondsSinceEpoch: start + Int64(i) * 9_000_000)),
                partition: Int32(i % 4), offset: Int64(i / 4)
            )
        }
        try DirectLoader().load(id: 1, rows, into: try db.connect())
        let results = Mutex<[Int]>([])
        let threads = (0..<3).map { _ in
            Thread {
                let pass = try? rollup(db)
                results.withLock { $0.append(pass?.minutesClaimed ?? -1) }
            }
        }
        for thread in threads { thread.start() }
        while results.withLock({ $0.count }) < 3 { usleep(10_000) }
        #expect(results.withLock { $0.sorted() } == [0, 0, 3_000])
        #expect(try db.summaryMismatches() == 0)
    }
}
