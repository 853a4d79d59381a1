import Foundation
import PostgresClient
import ProcessSupport
import Synchronization
import Testing

@testable import Rollup
@testable import RollupEngine

/// `rollup run --every` keeps its timer through a pass that fails for any reason, and the next pass runs.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RollupServiceTests {
    @Test func aFailedPassIsLoggedAndTheNextOneRuns() throws {
        let db = try TestDatabase()
        try ModelTests().load(db, id: 1, offset: 0, count: 200)
        // Another session holds a lock the pass needs outside any model (its lineage row), and the rollup's
        // connection gives up on locks after 200 ms: its passes fail with a lock timeout meanwhile.
        let blocker = try db.connect()
        try blocker.execute(script: "begin; lock table rollup_runs in access exclusive mode")
        let log = CapturedLog()
        let service = RollupService(
            sqlDirectory: TestEnvironment.sql, databaseSettings: db.settings + " options='-c lock_timeout=200'",
            intervalMilliseconds: 100, logger: log.logger)
        let stop = StopSignal()
        final class Outcome: Sendable { let error = Mutex<String?>(nil) }
        let outcome = Outcome()
        let thread = Thread {
            do { try service.run(stop: stop) } catch { outcome.error.withLock { $0 = "\(error)" } }
        }
        thread.start()
        func failures() -> Int { log.messages.filter { $0.hasPrefix("rollup pass failed") }.count }
        let deadline = Date().addingTimeInterval(30)
        while failures() < 2, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(failures() >= 2)
        #expect(log.messages.contains { $0.hasPrefix("rollup pass failed") && $0.contains("lock timeout") })
        try blocker.execute(script: "rollback")
        while try db.count("select count(*) from rollup_runs") == 0, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(try db.count("select count(*) from rollup_runs") > 0)
        stop.stop()
        while !log.messages.contains(where: { $0.hasPrefix("rollup stopped") }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(outcome.error.withLock { $0 } == nil)
        #expect(try db.summaryMismatches() == 0)
    }
}
