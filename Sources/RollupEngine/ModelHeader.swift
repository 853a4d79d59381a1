import ProcessSupport

/// What the engine needs to know about a model beyond its `select`, declared in the first lines of its file:
///
/// ```sql
/// -- key: window_start, country
/// -- window: 1 day
/// -- timezone: Asia/Kolkata
/// -- from: purchase_summary
/// ```
///
/// The header is the run of `-- name: value` lines with a known name at the top of the file; the first other
/// line ends it, so prose comments can follow. `key` (the row's identity, `window_start` first) and `window`
/// are required. `timezone` (an IANA name, default UTC) says whose midnight the windows are aligned to. `from`
/// makes the model derived: its `select` reads another model's table instead of `purchase_events`, it runs
/// after that model, and it is rebuilt with it.
///
/// `lateness` (e.g. `10 minutes`) sets the model's allowed lateness: its windows become final that long after
/// the latest event time loaded (`Finality`); without it, `rollup run --allowed-lateness` applies. It says when
/// a window is final, not what it holds, so it is not part of the model's version.
package struct ModelHeader: Sendable, Equatable {
    /// The columns that identify a row, `window_start` first.
    package var key: [String]
    package var window: ModelWindow
    /// The model whose table this one's `select` reads, if any.
    package var source: String?
    /// The model's own allowed lateness in minutes; nil takes the rollup's setting.
    package var latenessMinutes: Int?

    static let names = ["key", "window", "timezone", "from", "lateness", "table", "additive"]

    /// The header's settings in one canonical line: part of what the model's version fingerprints.
    var canonical: String {
        "key=\(key.joined(separator: ","));window=\(window.interval);timezone=\(window.zone);from=\(source ?? "")"
    }

    package init(key: [String], window: ModelWindow, source: String? = nil) {
        self.key = key
        self.window = window
        self.source = source
    }

    /// Reads the header of the text of `file` (which makes the table `name`); the error names the file and the
    /// line.
    init(parsing text: String, file: String, name: String) throws {
        var values: [String: (value: String, line: Int)] = [:]
        // By `isNewline`, not "\n": a Windows line end "\r\n" is one `Character`.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            guard line.hasPrefix("--"), let colon = line.firstIndex(of: ":") else { break }
            let name = line[line.index(line.startIndex, offsetBy: 2)..<colon].trimmingPrefix(while: \.isWhitespace)
            guard Self.names.contains(String(name)) else { break }
            let value = String(line[line.index(after: colon)...]).trimmed
            guard values[String(name)] == nil else {
                throw PipelineError(.model, "\(file):\(index + 1): the header gives \(name) twice")
            }
            values[String(name)] = (value, index + 1)
        }
        func required(_ name: String) throws -> (value: String, line: Int) {
            guard let entry = values[name], !entry.value.isEmpty else {
                throw PipelineError(
                    .model,
                    "\(file): the header has no `-- \(name): ...` line (the header is the `-- name: value` lines at the top of the file: key and window, optionally timezone, from and lateness)"
                )
            }
            return entry
        }
        if let table = values["table"], table.value != name {
            throw PipelineError(
                .model,
                "\(file):\(table.line): a model's table is its file's name (\(name)); remove `-- table: \(table.value)` or rename the file"
            )
        }
        if let additive = values["additive"] {
            throw PipelineError(
                .model,
                "\(file):\(additive.line): `-- additive:` is no longer needed: the engine finds the counts and sums it can add by itself; remove the line"
            )
        }
        let key = try required("key")
        let window = try required("window")
        guard let size = ModelWindow.size(parsing: window.value) else {
            throw PipelineError(
                .model,
                "\(file):\(window.line): window \(window.value.debugDescription) is not one of N minutes (N dividing 60), N hours (N dividing 24), 1 day, 1 week or 1 month"
            )
        }
        var zone = "UTC"
        if let entry = values["timezone"] {
            guard !entry.value.isEmpty, !entry.value.contains(where: \.isWhitespace) else {
                throw PipelineError(
                    .model, "\(file):\(entry.line): timezone must be one IANA name, e.g. Europe/Berlin or UTC")
            }
            zone = entry.value
        }
        let columns = key.value.split(separator: ",").map { String($0).trimmed }
        guard columns.first == "window_start", !columns.contains(where: \.isEmpty), Set(columns).count == columns.count
        else {
            throw PipelineError(
                .model,
                "\(file):\(key.line): key must list the row's columns once each, window_start first (e.g. window_start, country)"
            )
        }
        if let owned = columns.first(where: { ModelTable.ownedColumns.contains($0) }) {
            throw PipelineError(.model, "\(file):\(key.line): \(owned) is the engine's column, not a key")
        }
        self.init(key: columns, window: ModelWindow(size, zone: zone), source: values["from"]?.value)
        if let entry = values["lateness"] {
            guard let lateness = Self.minutes(entry.value) else {
                throw PipelineError(
                    .model,
                    "\(file):\(entry.line): lateness \(entry.value.debugDescription) is not a whole number of minutes, hours or days (e.g. 10 minutes)"
                )
            }
            latenessMinutes = lateness
        }
    }

    /// `15 minutes`, `1 minute`, `2 hours`, `1 day` as minutes; nil for anything else.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
        let unit = parts[1].hasSuffix("s") ? parts[1].dropLast() : parts[1]
        switch unit {
        case "minute": return count
        case "hour": return count * 60
        case "day": return count * 1_440
        default: return nil
        }
    }
}

extension String {
    /// Without leading and trailing blanks (a carriage return included: files saved on Windows).
    var trimmed: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return String(text)
    }
}
