import ArgumentParser
import Logging

/// `--log-level`, and the one place the process's logging is set up.
public struct LogOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error. Env: LOG_LEVEL. Default: info.")
    var levelFlag: String?

    public init() {}

    public var level: Logger.Level {
        Logger.Level(rawValue: levelFlag ?? Environment.value("LOG_LEVEL") ?? "info") ?? .info
    }

    public func validate() throws {
        if let raw = levelFlag ?? Environment.value("LOG_LEVEL"), Logger.Level(rawValue: raw) == nil {
            throw ValidationError("unknown log level \(raw.debugDescription)")
        }
    }

    /// Sends logs to standard error (standard output is for results) and returns the process's root logger.
    public func bootstrap(label: String) -> Logger {
        let level = self.level
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
