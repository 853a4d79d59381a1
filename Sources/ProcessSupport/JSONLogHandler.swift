import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler that writes one JSON object per line to standard error: `time` (UTC, milliseconds),
/// `level`, `component`, `message` and `metadata` (an object of strings), in that order. For log collectors
/// (`--log-format json`), which should not have to parse text lines.
///
/// It writes what it is given and nothing else: secrets are kept out of log messages where they are made
/// (`PostgresConnection`'s and `KafkaConfiguration`'s redaction), and every string is escaped, so text from
/// events or errors cannot break a line or forge a field.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let component: String

    public init(component: String) { self.component = component }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        let text = Self.line(
            time: Self.now(), level: event.level, component: component, message: "\(event.message)",
            metadata: merged)
        // One write per line, so lines from several threads never interleave.
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var written = 0
            while written < buffer.count {
                let n = write(2, buffer.baseAddress! + written, buffer.count - written)
                if n <= 0 { break }
                written += n
            }
        }
    }

    /// One log line, newline included.
    static func line(
        time: String, level: Logger.Level, component: String, message: String, metadata: Logger.Metadata
    ) -> String {
        var text = "{\"time\":" + quoted(time) + ",\"level\":" + quoted(level.rawValue)
        text += ",\"component\":" + quoted(component) + ",\"message\":" + quoted(message) + ",\"metadata\":{"
        text += metadata.sorted { $0.key < $1.key }.map { quoted($0.key) + ":" + quoted("\($0.value)") }
            .joined(separator: ",")
        return text + "}}\n"
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped (RFC 8259).
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Now, as `2026-12-01T11:47:00.123Z`.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let milliseconds = Int(spec.tv_nsec / 1_000_000)
        let fraction =
            milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}
