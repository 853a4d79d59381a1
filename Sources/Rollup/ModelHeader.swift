import ProcessSupport

/// What the rollup needs to know about a model, declared by the analyst in the first lines of its SQL file:
///
/// ```sql
/// -- table: purchase_summary_hourly
/// -- key: window_start, country
/// -- window: 60 minutes
/// -- from: purchase_summary
/// ```
///
/// The header is the run of `-- name: value` lines with a known name at the top of the file; the first other
/// line ends it, so prose comments can follow. `table`, `key` and `window` are required; `from` makes the model
/// derived: it is computed from another model's rows (exact for counts and sums, since they compose), runs
/// after it, and is recomputed with it.
///
/// `additive` (raw models only) lists the columns that are counts or sums over the window's events. A pass
/// may then run the model over just the new events of a window and add those columns to the stored row
/// (other non-key columns take the value computed from the new events, so they must not depend on which
/// events the window holds, like `window_end`), instead of recomputing the window from all its raw rows. It
/// says how to maintain the model, not what it means, so it is not part of the model's version.
///
/// `lateness` (e.g. `10 minutes`) sets the model's allowed lateness: its windows become final that long after
/// the latest event time loaded (`Finality`); without it, `rollup run --allowed-lateness` applies. It says when
/// a window is final, not what it holds, so it is not part of the version either.
struct ModelHeader: Sendable, Equatable {
    /// The summary table the model maintains (created by a migration).
    var table: String
    /// The columns that identify a row, `window_start` first.
    var key: [String]
    /// The window size in whole minutes; windows are aligned to 2000-01-01 00:00 UTC.
    var windowMinutes: Int
    /// The model whose rows this one is computed from, if any.
    var source: String?
    /// The columns that are counts or sums over the window's events; empty when the model is not additive.
    var additive: [String] = []
    /// The model's own allowed lateness in minutes; nil takes the rollup's setting.
    var latenessMinutes: Int?

    static let names = ["table", "key", "window", "from", "additive", "lateness"]

    /// The window as a Postgres interval, the model's `$1`.
    var windowInterval: String { "\(windowMinutes) minutes" }

    /// The header's settings in one canonical line: part of what the model's version fingerprints.
    var canonical: String {
        "table=\(table);key=\(key.joined(separator: ","));window=\(windowMinutes);from=\(source ?? "")"
    }

    init(table: String, key: [String], windowMinutes: Int, source: String?, additive: [String] = []) {
        self.table = table
        self.key = key
        self.windowMinutes = windowMinutes
        self.source = source
        self.additive = additive
    }

    /// Reads the header of `file`'s text; the error names the file and the line.
    init(parsing text: String, file: String) throws {
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
                    "\(file): the header has no `-- \(name): ...` line (the header is the `-- name: value` lines at the top of the file: table, key, window, optionally from, additive and lateness)"
                )
            }
            return entry
        }
        let table = try required("table")
        let key = try required("key")
        let window = try required("window")
        guard let minutes = Self.minutes(window.value) else {
            throw PipelineError(
                .model,
                "\(file):\(window.line): window \(window.value.debugDescription) is not a whole number of minutes, hours or days (e.g. 15 minutes, 1 hour, 1 day)"
            )
        }
        let columns = key.value.split(separator: ",").map { String($0).trimmed }
        guard columns.first == "window_start", !columns.contains(where: \.isEmpty) else {
            throw PipelineError(
                .model,
                "\(file):\(key.line): key must list the row's columns, window_start first (e.g. window_start, country)")
        }
        var additive: [String] = []
        if let entry = values["additive"] {
            additive = entry.value.split(separator: ",").map { String($0).trimmed }
            guard values["from"] == nil else {
                throw PipelineError(
                    .model,
                    "\(file):\(entry.line): additive is for models computed from raw rows; a model with `from` already reads only its source's touched rows"
                )
            }
            guard !additive.isEmpty, !additive.contains(where: \.isEmpty), Set(additive).isDisjoint(with: columns)
            else {
                throw PipelineError(
                    .model,
                    "\(file):\(entry.line): additive must list the columns that are counts or sums over the window's events (e.g. purchase_count, total_amount), none of them a key column"
                )
            }
        }
        self.init(
            table: table.value, key: columns, windowMinutes: minutes, source: values["from"]?.value,
            additive: additive)
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
