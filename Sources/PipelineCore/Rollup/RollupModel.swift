/// One analyst-edited SQL file from `sql/`: a single statement that reads `rollup_touched` and `$1` (the
/// window size) and upserts its table. Loaded at run time, so changing a model needs no rebuild.
public struct RollupModel: Sendable {
    public let name: String
    public let sql: String

    /// Reads every `*.sql` in `directory`, in name order (a model that depends on another sorts after it).
    public static func load(from directory: String) throws -> [RollupModel] {
        let models = try SQLDirectory.files(in: directory, what: "rollup SQL").map { RollupModel(name: $0.name, sql: $0.text) }
        guard !models.isEmpty else { throw PipelineError("no .sql files in \(directory)") }
        return models
    }
}
