import Foundation
import KafkaClient
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Synchronization
import Testing

@testable import Generator
@testable import Loader
@testable import Rollup
@testable import RollupEngine

@Suite(.serialized, .timeLimit(.minutes(5))) struct LoaderTests {
    @Test func endToEndSummaryEqualsAnIndependentRecompute() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 8)
        let generated = try kafka.generate {
            $0.count = 40_000
            $0.backfillMilliseconds = 20 * 60_000
            $0.lateFraction = 0.05
            $0.maxLatenessMilliseconds = 600_000
            $0.duplicateFraction = 0.03
            $0.invalidFraction = 0.01
        }
        #expect(generated.delivered == 40_000)
        let statistics = try kafka.loader(db).run(stop: StopSignal())
        #expect(statistics.rows == generated.validPurchases + generated.duplicates)
        #expect(statistics.deadLetters == generated.invalid)
        #expect(
            try db.count("select count(*) from staging_purchases") == generated.validPurchases + generated.duplicates)
        #expect(try db.count("select count(*) from dead_letters") == generated.invalid)
        #expect(try db.count("select sum(next_offset) from loader_offsets") == 40_000)

        try rollup(db)
        #expect(try db.count("select count(*) from purchase_summary") > 20)
        #expect(try db.summaryMismatches() == 0)
        // Per currency, never across: the generator's amounts and the summary's, to the minor unit.
        let stored = try db.connect().query("select currency, sum(total_amount)::text from purchase_summary group by 1")
        var amounts: [String: String] = [:]
        for row in 0..<stored.rowCount {
            amounts[try stored.value(String.self, row: row, column: 0)] = try stored.value(
                String.self, row: row, column: 1)
        }
        #expect(generated.validAmounts.count > 10)
        #expect(amounts == generated.validAmounts.mapValues(\.description))
        #expect(try db.count("select sum(purchase_count) from purchase_summary") == generated.validPurchases)
        #expect(try db.count("select sum(item_count) from purchase_summary") == generated.validItems)
    }

    /// With a prefetch far smaller than the backlog the loader keeps waking librdkafka's fetchers
    /// (`FetchWakeUp`); that must not move, repeat or drop a single message.
    @Test func wakingTheFetchersLosesAndDoublesNothing() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 4)
        let generated = try kafka.generate { $0.count = 30_000 }
        let statistics = try kafka.loader(
            db, kafkaProperties: ["queued.min.messages": "200", "max.partition.fetch.bytes": "16384"]
        ).run(stop: StopSignal())
        #expect(statistics.fetchWakeUps > 10)
        #expect(statistics.rows == generated.delivered)
        #expect(statistics.alreadyLoaded == 0)  // no message came twice: the fetch positions never moved back
        #expect(
            try db.count(
                "select count(*) from (select distinct kafka_partition, kafka_offset from staging_purchases) as o")
                == 30_000)
        // Per partition, offsets 0 ..< n with none missing: the highest offset + 1 equals the count.
        #expect(
            try db.count(
                "select count(*) from (select kafka_partition from staging_purchases group by 1 having max(kafka_offset) + 1 <> count(*)) as p"
            ) == 0)
        #expect(try db.count("select sum(next_offset) from loader_offsets") == 30_000)
    }

    /// Loaders given partitions (`--partitions`) skip the group; two of them overlapping on partitions 1 and 2
    /// race for the same messages, and the offset fence must keep every message loaded exactly once.
    @Test func overlappingStaticLoadersLoadEachMessageOnce() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 4)
        let generated = try kafka.generate { $0.count = 40_000 }
        let results = Mutex<[LoaderStatistics?]>([])
        // Each loader is used by its own thread only.
        nonisolated(unsafe) let loaders = [PartitionListArgument.some([0, 1, 2]), .some([1, 2, 3])].map { partitions in
            kafka.loader(db) {
                $0.staticPartitions = partitions
                $0.batchMaxMessages = 2_000
            }
        }
        let threads = loaders.indices.map { i in
            Thread {
                let statistics = try? loaders[i].run(stop: StopSignal())
                results.withLock { $0.append(statistics) }
            }
        }
        for thread in threads { thread.start() }
        while results.withLock({ $0.count }) < 2 { usleep(10_000) }
        let statistics = results.withLock { $0 }.compactMap { $0 }
        #expect(statistics.count == 2)
        #expect(try db.count("select count(*) from staging_purchases") == generated.delivered)
        #expect(
            try db.count(
                "select count(*) from (select distinct kafka_partition, kafka_offset from staging_purchases) as o")
                == 40_000)
        #expect(try db.count("select sum(next_offset) from loader_offsets") == 40_000)
        #expect(statistics.map(\.rows).reduce(0, +) == 40_000)
    }

    @Test func restartInTheMiddleLosesAndDoublesNothing() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 4)
        _ = try kafka.generate {
            $0.count = 30_000
            $0.invalidFraction = 0.02
        }
        // First loader: small batches, stopped as soon as something is committed.
        let stop = StopSignal()
        let watcher = Thread {
            while (try? db.count("select count(*) from load_batches")) ?? 0 < 2 { usleep(20_000) }
            stop.stop()
        }
        watcher.start()
        let first = try kafka.loader(db) {
            $0.untilCaughtUp = false
            $0.batchMaxMessages = 1_000
        }.run(stop: stop)
        #expect(first.rows + first.deadLetters < 30_000)
        #expect(first.batches >= 2)

        let second = try kafka.loader(db).run(stop: StopSignal())
        #expect(first.rows + first.deadLetters + second.rows + second.deadLetters == 30_000)
        #expect(
            try db.count(
                """
                select count(*) from (
                    select kafka_partition, kafka_offset from staging_purchases
                    union all
                    select kafka_partition, kafka_offset from dead_letters
                ) m
                """) == 30_000)
        #expect(
            try db.count(
                """
                select count(distinct (kafka_partition, kafka_offset)) from (
                    select kafka_partition, kafka_offset from staging_purchases
                    union all
                    select kafka_partition, kafka_offset from dead_letters
                ) m
                """) == 30_000)
        #expect(
            try db.count(
                "select max(kafka_offset) + 1 - count(*) from (select kafka_partition, kafka_offset from staging_purchases union all select kafka_partition, kafka_offset from dead_letters) m group by kafka_partition order by 1 desc limit 1"
            ) == 0)
    }

    @Test func badMessagesLandInDeadLettersByteForByte() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 1)
        let now = EventTime.now()
        var simulator = PurchaseSimulator(seed: 8)
        let good = (0..<3).map { _ in simulator.next(createdAt: now) }
        var invalidUTF8 = good[0].jsonBytes
        invalidUTF8[invalidUTF8.firstIndex(of: UInt8(ascii: "u"))!] = 0xC3  // inside "user_id"
        let hostile: [(key: [UInt8]?, value: [UInt8]?)] = [
            (Array("k1".utf8), Array("not json".utf8)),
            (nil, []),
            (Array("k3".utf8), nil),
            (Array("k4".utf8), invalidUTF8),
            ([0, 1, 2], Array(#"{"purchase_id":"x"}"#.utf8)),
            // Under the broker's 1 MB limit.
            (Array("k6".utf8), Array(#"{"x":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: 900_000)),
        ]
        var messages: [(key: [UInt8]?, value: [UInt8]?)] = []
        messages.append((Array(good[0].userID.utf8), good[0].jsonBytes))
        messages.append(contentsOf: hostile)
        messages.append((nil, good[1].jsonBytes))  // a null key is fine
        messages.append((Array(good[2].userID.utf8), good[2].jsonBytes))
        try kafka.produce(messages)

        let statistics = try kafka.loader(db).run(stop: StopSignal())
        #expect(statistics.rows == 3)
        #expect(statistics.deadLetters == hostile.count)
        let rows = try db.connect().query(
            "select kafka_offset, encode(message_key, 'hex'), encode(message_value, 'hex'), reason from dead_letters order by kafka_offset"
        ).rows
        #expect(rows.count == hostile.count)
        for (i, row) in rows.enumerated() {
            #expect(row[0] == String(i + 1))
            #expect(row[1] == hostile[i].key.map(hex))
            #expect(row[2] == hostile[i].value.map(hex))
            #expect((row[3] ?? "").count > 5)
        }
        #expect(rows[0][3]?.contains("not a JSON object") == true)
        #expect(rows[1][3] == "empty message")
        #expect(rows[2][3] == "null message value")
        #expect(rows[3][3]?.contains("invalid UTF-8") == true)
        #expect(rows[4][3] == "missing field user_id")
        #expect(rows[5][3]?.contains("nesting deeper than 32 levels") == true)
        #expect(try db.count("select count(*) from staging_purchases where kafka_offset in (0, 7, 8)") == 3)
    }

    @Test func aStaleLoaderIsFencedAtCommit() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        var factory = PurchaseFactory()
        let loader = DirectLoader()
        let event = factory.purchase(at: "2026-11-24T10:00:00Z")
        try loader.load(id: 1, [(event, partition: 0, offset: 0)], into: connection)
        // Another loader took partition 0 over and moved it to 5; this one still expects 1.
        try connection.query("update loader_offsets set next_offset = 5 where partition = 0")
        var stale = loader.batch(id: 2, [(factory.purchase(at: "2026-11-24T10:00:01Z"), partition: 0, offset: 1)])
        try connection.execute(script: "begin")
        let committed = try stale.write(
            to: connection, groupID: "zombie", offsets: OffsetStore(topic: "purchases", groupID: "zombie"),
            expected: [0: 1])
        try connection.execute(script: "rollback")
        #expect(!committed)
        #expect(try db.count("select count(*) from staging_purchases") == 1)
        #expect(try db.scalar("select next_offset::text from loader_offsets where partition = 0") == "5")
    }

    @Test func aRetentionGapStopsTheLoaderUnlessToldToSkip() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 1)
        _ = try kafka.generate { $0.count = 100 }
        _ = try kafka.loader(db).run(stop: StopSignal())
        #expect(try db.scalar("select next_offset::text from loader_offsets") == "100")
        // About 22,000 events fit in the mock cluster's 5 MiB per partition: 40,000 more push offset 100 out.
        _ = try kafka.generate { $0.count = 40_000 }
        let consumer = try KafkaConsumer(
            configuration: kafka.configuration, groupID: "probe", topic: kafka.topic, logger: TestEnvironment.logger,
            rebalanceHandler: NoRebalance())
        let low = try consumer.watermarks(TopicPartition(topic: kafka.topic, partition: 0), timeoutMilliseconds: 10_000)
            .low
        #expect(low > 100)

        let error = #expect(throws: PipelineError.self) { try kafka.loader(db).run(stop: StopSignal()) }
        #expect(error?.code == .retentionGap)
        #expect(error?.message.contains("partition purchases[0]") == true)
        #expect(error?.message.contains("deleted by retention") == true)
        #expect(error?.message.contains("\(low - 100) messages") == true)
        #expect(try db.scalar("select next_offset::text from loader_offsets") == "100")

        let statistics = try kafka.loader(db) { $0.onGap = .skip }.run(stop: StopSignal())
        #expect(statistics.rows == Int(40_100 - low))
        let gap = try db.connect().query("select from_offset::text, to_offset::text from loader_offset_gaps").rows
        #expect(gap == [["100", String(low)]])
        #expect(try db.scalar("select next_offset::text from loader_offsets") == "40100")

        // A loader that never loaded this partition cannot start at 0 either: the same rule applies.
        let fresh = try TestDatabase()
        let freshError = #expect(throws: PipelineError.self) { try kafka.loader(fresh).run(stop: StopSignal()) }
        #expect(freshError?.code == .retentionGap)
        #expect(freshError?.message.contains("the next offset to load, 0, is no longer on the broker") == true)
        #expect(try fresh.count("select count(*) from staging_purchases") == 0)
        let skipped = try kafka.loader(fresh) { $0.onGap = .skip }.run(stop: StopSignal())
        #expect(skipped.rows == Int(40_100 - low))
        #expect(
            try fresh.connect().query("select from_offset::text, to_offset::text from loader_offset_gaps").rows == [
                ["0", String(low)]
            ])
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

final class NoRebalance: KafkaRebalanceHandler {
    func partitionsAssigned(_ partitions: [TopicPartition]) throws -> [TopicPartition: KafkaOffset] { [:] }
    func partitionsRevoked(_ partitions: [TopicPartition]) {}
}
