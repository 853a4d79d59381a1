import ArgumentParser
import Logging

/// `--log-level` and `--log-format`, and the one place the process's logging is set up.
public struct LogOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error. Env: LOG_LEVEL. Default: info.")
    var levelFlag: String?

    @Option(
        name: .customLong("log-format"),
        help: """
            text (one line per event, for people) or json (one JSON object per line). Env: LOG_FORMAT. \
            Default: text.
            """)
    var formatFlag: String?

    public init() {}

    /// How log lines are written.
    public enum Format: String, Sendable {
        case text, json
    }

    public var format: Format { Format(rawValue: formatFlag ?? Environment.value("LOG_FORMAT") ?? "text") ?? .text }

    public var level: Logger.Level {
        Logger.Level(rawValue: levelFlag ?? Environment.value("LOG_LEVEL") ?? "info") ?? .info
    }

    public func validate() throws {
        if let raw = levelFlag ?? Environment.value("LOG_LEVEL"), Logger.Level(rawValue: raw) == nil {
            throw ValidationError("unknown log level \(raw.debugDescription)")
        }
        if let raw = formatFlag ?? Environment.value("LOG_FORMAT"), Format(rawValue: raw) == nil {
            throw ValidationError(
                "unknown log format \(raw.debugDescription) (LOG_FORMAT / --log-format: text or json)")
        }
    }

    /// Sends logs to standard error (standard output is for results) and returns the process's root logger.
    public func bootstrap(label: String) -> Logger {
        let (level, format) = (self.level, self.format)
        LoggingSystem.bootstrap { name in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: name)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(component: name)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
