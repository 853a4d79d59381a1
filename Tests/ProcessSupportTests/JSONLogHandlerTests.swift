import Foundation
import Logging
import Testing

@testable import ProcessSupport

/// `--log-format json`: every line one JSON object a collector can parse, whatever the text inside.
@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneParsableObjectWhateverItsText() throws {
        let hostile = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} separator \u{2028} é 💥"
        let line = JSONLogHandler.line(
            time: "2026-12-01T11:47:00.123Z", level: .warning, component: "loader", message: hostile,
            metadata: ["error": "\(hostile)", "kafka.partition": "3"])
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().split(separator: "\n").count == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2026-12-01T11:47:00.123Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["component"] as? String == "loader")
        #expect(object["message"] as? String == hostile)
        #expect(object["metadata"] as? [String: String] == ["error": hostile, "kafka.partition": "3"])
        #expect(line.hasPrefix("{\"time\":\"2026-12-01T11:47:00.123Z\",\"level\":\"warning\",\"component\":"))
    }

    @Test func theTimeIsUTCWithMilliseconds() throws {
        let time = JSONLogHandler.now()
        #expect(time.count == 24 && time.hasSuffix("Z"))
        let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: time))
        #expect(abs(parsed.timeIntervalSinceNow) < 5)
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
