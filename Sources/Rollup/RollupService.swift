import Logging
import PostgresClient
import ProcessSupport

/// `rollup run`: one pass, or with an interval (`--every`) a pass on a timer until SIGTERM or SIGINT.
///
/// Losing Postgres is waited out (`PostgresOutage`): a pass is one transaction, so the one that failed left
/// nothing behind and its minutes are still in the ledger; the next pass runs as soon as the database is
/// back. A database unreachable at start is an error, as for the loader.
struct RollupService {
    var runner: RollupRunner
    let databaseSettings: String
    /// Time between the end of one pass and the start of the next; nil runs one pass.
    let intervalMilliseconds: UInt64?
    let logger: Logger

    func run(stop: StopSignal) throws {
        var runner = self.runner
        var db = try connect()
        guard let intervalMilliseconds else {
            try runner.runPass(db)
            return
        }
        while !stop.isStopped {
            do {
                try runner.runPass(db)
                runner.full = false
            } catch let error as PostgresError where error.isOutage {
                let outage = PostgresOutage(logger: logger, stop: stop)
                guard let reconnected = try outage.waitOut(error, lost: "the pass in progress", reconnect: connect)
                else { return }
                db = reconnected
                continue
            }
            stop.wait(milliseconds: intervalMilliseconds)
        }
    }

    func connect() throws -> PostgresConnection {
        let db = try PostgresConnection(settings: databaseSettings, applicationName: "purchase-rollup")
        logger.info(
            "connected to postgres",
            metadata: [LogKey.database: "\(db.endpointDescription)", "window": "\(runner.windowSize)"])
        return db
    }
}
