import Logging
import Operations
import PostgresClient
import ProcessSupport
import RollupEngine

/// `rollup run`: one pass, or with an interval (`--every`) a pass on a timer until SIGTERM or SIGINT.
///
/// The models are read from `sql/` before every pass, so an analyst's edit takes effect on the timer's next
/// pass without a restart (a changed model recomputes its history there). A model that fails is reported
/// on every pass until fixed, and the others keep running; a single pass that had a failing model exits
/// non-zero after committing what the others did.
///
/// Losing Postgres is waited out (`PostgresOutage`): a pass is one transaction, so the one that failed left
/// nothing behind and its minutes are still in the ledger; the next pass runs as soon as the database is
/// back. Any other failure of a pass on the timer (a lock or statement timeout, a serialization failure, a
/// failing read of the status after it) is logged, counted and shown on `/readyz`, and the next interval
/// tries again; only a configuration error ends the timer. A database unreachable at start is an error, as
/// for the loader.
struct RollupService {
    /// Where the models are (`sql/`).
    let sqlDirectory: String
    /// Recompute every window of every model on the first pass (`--full`).
    var full = false
    /// When windows become final, for models whose header sets no lateness (`--allowed-lateness`).
    var allowedLatenessSeconds = 300
    /// The partition lifecycle, run before the first pass and then at most once a minute.
    var maintenance = PartitionMaintenance.Settings()
    let databaseSettings: String
    /// Time between the starts of two passes (a pass that takes longer is followed at once); nil runs one
    /// pass. Start to start, not end to start: a window's update then waits at most one interval for its
    /// pass, however long the passes take.
    let intervalMilliseconds: UInt64?
    let logger: Logger
    /// Set by `rollup run --every` with `--metrics-port`: what each pass reports to Prometheus and `/readyz`.
    var metrics: RollupMetrics?
    var readiness: Readiness?

    func run(stop: StopSignal) throws {
        var db = try connect()
        var runner: RollupRunner?
        var full = self.full
        var lastMaintenance: UInt64?
        while !stop.isStopped {
            let started = MonotonicClock.nowMilliseconds()
            do {
                // A runner per set of model files: it caches their versions.
                let models = try RollupModel.load(from: sqlDirectory)
                if runner == nil || runner!.modelSet.fingerprint != models.fingerprint {
                    runner = RollupRunner(models: models, logger: logger)
                }
                if lastMaintenance.map({ MonotonicClock.nowMilliseconds() - $0 >= 60_000 }) ?? true {
                    lastMaintenance = MonotonicClock.nowMilliseconds()
                    maintain(models, db)
                }
                runner!.full = full
                runner!.allowedLatenessSeconds = allowedLatenessSeconds
                let result = try runner!.runPass(db)
                full = false
                try report(result, models.models.map(\.name), db)
                if intervalMilliseconds == nil {
                    guard result.failures.isEmpty else {
                        throw PipelineError(.model, result.failures.map(\.message).joined(separator: "; "))
                    }
                    return
                }
            } catch let error as PostgresError where error.isOutage {
                metrics?.failed()
                readiness?.set("postgres", ready: false, "\(error)", validFor: .seconds(3_600))
                let outage = PostgresOutage(logger: logger, stop: stop)
                guard let reconnected = try outage.waitOut(error, lost: "the pass in progress", reconnect: connect)
                else { return }
                db = reconnected
                continue
            } catch let error as PipelineError where error.code == .configuration {
                throw error
            } catch  where intervalMilliseconds != nil {
                // Anything else (unreadable models, a lock or statement timeout, a serialization failure, a
                // failing status read) is this pass's: the timer goes on and the next pass tries again.
                metrics?.failed()
                readiness?.set("passes", ready: false, "last pass failed: \(error)", validFor: .seconds(3_600))
                logger.error(
                    "rollup pass failed; trying again at the next interval", metadata: [LogKey.error: "\(error)"])
            }
            let elapsed = MonotonicClock.nowMilliseconds() - started
            if elapsed < intervalMilliseconds! { stop.wait(milliseconds: intervalMilliseconds! - elapsed) }
        }
        logger.info("rollup stopped", metadata: ["reason": "signalled; no pass was interrupted"])
    }

    /// Tells the metrics and `/readyz` a pass completed. The pass check stays valid for three intervals (at
    /// least a minute): a rollup whose passes stop coming turns unready by itself.
    private func report(_ result: RollupRunner.PassResult, _ models: [String], _ db: PostgresConnection) throws {
        try metrics?.passed(result, models: models, db)
        guard let readiness, let intervalMilliseconds else { return }
        let validFor = Duration.milliseconds(max(60_000, 3 * intervalMilliseconds))
        readiness.set("postgres", ready: true, "connected", validFor: validFor)
        readiness.set(
            "passes", ready: true,
            result.failures.isEmpty
                ? "last pass took \(result.milliseconds) ms"
                : "last pass took \(result.milliseconds) ms; failing models: \(result.failures.map(\.model).joined(separator: ", "))",
            validFor: validFor)
    }

    /// One maintenance step. Its failure is logged and does not stop the passes (an outage aside, which the
    /// pass then meets and waits out).
    private func maintain(_ models: ModelSet, _ db: PostgresConnection) {
        do {
            _ = try PartitionMaintenance(settings: maintenance, models: models, logger: logger).run(db)
        } catch {
            logger.error("partition maintenance failed", metadata: [LogKey.error: "\(error)"])
        }
    }

    func connect() throws -> PostgresConnection {
        let db = try PostgresConnection(settings: databaseSettings, applicationName: "purchase-rollup")
        logger.info(
            "connected to postgres", metadata: [LogKey.database: "\(db.endpointDescription)", "sql": "\(sqlDirectory)"])
        return db
    }
}
