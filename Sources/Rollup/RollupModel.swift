import ProcessSupport

/// One analyst-edited SQL file from `sql/`: a single statement that reads `rollup_touched` (and `$1`, the
/// window size, if it needs it) and upserts its table. Loaded at run time, so changing a model needs no rebuild.
struct RollupModel: Sendable {
    let name: String
    let sql: String

    /// Whether the statement takes the window size as `$1` (comments aside). Postgres rejects a bound
    /// parameter the statement does not use, so models that need no window size get none.
    var takesWindowSize: Bool {
        sql.split(separator: "\n").contains { line in
            let code = line.firstRange(of: "--").map { line[..<$0.lowerBound] } ?? line[...]
            return code.contains("$1")
        }
    }

    /// Reads every `*.sql` in `directory`, in name order (a model that depends on another sorts after it).
    static func load(from directory: String) throws -> [RollupModel] {
        let models = try SQLDirectory.files(in: directory, what: "rollup SQL").map {
            RollupModel(name: $0.name, sql: $0.text)
        }
        guard !models.isEmpty else { throw PipelineError(.model, "no .sql files in \(directory)") }
        return models
    }
}
