import Foundation

/// One analyst-edited SQL file from `sql/`: a single statement that reads `rollup_touched` and `$1` (the
/// window size) and upserts its table. Loaded at run time, so changing a model needs no rebuild.
public struct RollupModel: Sendable {
    public let name: String
    public let sql: String

    /// Reads every `*.sql` in `directory`, in name order (a model that depends on another sorts after it).
    public static func load(from directory: String) throws -> [RollupModel] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PipelineError("cannot read the rollup SQL directory \(directory): \(error.localizedDescription)")
        }
        let models = try names.sorted().filter { $0.hasSuffix(".sql") && !$0.hasPrefix(".") }.map { name in
            guard let sql = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else {
                throw PipelineError("cannot read rollup SQL \(directory)/\(name)")
            }
            return RollupModel(name: name, sql: sql)
        }
        guard !models.isEmpty else { throw PipelineError("no .sql files in \(directory)") }
        return models
    }
}
