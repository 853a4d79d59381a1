import Foundation
import KafkaClient
import ProcessSupport
import Testing

@testable import Generator
@testable import Loader

/// `loader lag` against a real broker and Postgres: what the topic holds that the loader has not stored.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LagTests {
    func lag(_ kafka: TestKafka, _ db: TestDatabase) throws -> LagCommand.Report {
        try LagCommand.read(
            kafka: kafka.configuration, topic: kafka.topic, database: db.settings, logger: TestEnvironment.logger)
    }

    @Test func theLagIsWhatTheLoaderHasNotStoredYet() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 4)
        _ = try kafka.generate { $0.count = 4_000 }

        var report = try lag(kafka, db)
        #expect(report.partitions.map(\.partition) == [0, 1, 2, 3])
        #expect(report.partitions.allSatisfy { $0.stored == nil })
        #expect(report.totalLag == 4_000)

        _ = try kafka.loader(db).run(stop: StopSignal())
        report = try lag(kafka, db)
        #expect(report.totalLag == 0)
        #expect(report.partitions.map(\.stored) == report.partitions.map(\.high))

        // Produced while no loader runs: exactly those are behind, and Postgres agrees.
        _ = try kafka.generate { $0.count = 1_000 }
        report = try lag(kafka, db)
        #expect(report.totalLag == 1_000)
        #expect(
            try db.count("select sum(next_offset) from loader_offsets") + 1_000
                == Int(report.partitions.reduce(0) { $0 + $1.high }))
    }

    @Test func anUnreachableBrokerIsAnErrorNotAHang() throws {
        let db = try TestDatabase()
        let started = Date()
        #expect(throws: (any Error).self) {
            try LagCommand.read(
                kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), topic: "purchases", database: db.settings,
                logger: TestEnvironment.logger)
        }
        #expect(Date().timeIntervalSince(started) < 30)
    }
}
