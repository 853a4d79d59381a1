import Logging
import PostgresClient

/// How a long-running process (the loader, the rollup on its timer) waits out a Postgres outage: log it
/// once, retry with `Backoff`, log each failed retry and the recovery, and stop waiting on SIGTERM.
///
/// Only outages are waited out (`PostgresError.isOutage`: a restart, a failover, the network); a statement
/// the server rejects is a bug or bad data and is thrown at once, as is anything else `reconnect` throws.
public struct PostgresOutage {
    let logger: Logger
    let stop: StopSignal

    public init(logger: Logger, stop: StopSignal) {
        self.logger = logger
        self.stop = stop
    }

    /// Calls `reconnect` with backoff until it succeeds, returning its result, or returns nil once stopped.
    /// `lost` says in the first log line what the outage cost (the batch or pass rolled back).
    public func waitOut<T>(_ error: PostgresError, lost: String, reconnect: () throws -> T) throws -> T? {
        let lostAt = MonotonicClock.nowMilliseconds()
        var backoff = Backoff()
        var delay = backoff.next()
        logger.warning(
            "postgres unavailable",
            metadata: ["error": "\(error)", "rolled_back": "\(lost)", "retry.in_seconds": "\(Double(delay) / 1000)"])
        while stop.wait(milliseconds: delay) {
            do {
                let value = try reconnect()
                let seconds = Double(MonotonicClock.nowMilliseconds() - lostAt) / 1000
                logger.info("reconnected to postgres", metadata: ["outage.seconds": "\(seconds)"])
                return value
            } catch let again as PostgresError where again.isOutage {
                delay = backoff.next()
                logger.warning(
                    "postgres still unavailable",
                    metadata: ["error": "\(again)", "retry.in_seconds": "\(Double(delay) / 1000)"])
            }
        }
        logger.info("stopped while postgres was unavailable; nothing uncommitted was kept")
        return nil
    }
}
