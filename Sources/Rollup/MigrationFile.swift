import ProcessSupport
import RollupEngine

/// One versioned schema file, `V{NNN}__{description}.sql`, Flyway's naming.
struct MigrationFile: Sendable, Equatable {
    let version: Int
    let name: String
    let sql: String

    /// Reads every migration in `directory`, ordered by version. Files that do not follow the naming rule
    /// (other than dotfiles and READMEs) are an error, so a typo never silently skips a migration.
    static func load(from directory: String) throws -> [MigrationFile] {
        var files: [MigrationFile] = []
        for (name, sql) in try SQLDirectory.files(in: directory, what: "migrations") {
            guard let version = version(of: name) else {
                throw PipelineError(.migration, "migration \(name) is not named V<number>__<description>.sql")
            }
            if let other = files.first(where: { $0.version == version }) {
                throw PipelineError(.migration, "migrations \(other.name) and \(name) have the same version \(version)")
            }
            files.append(MigrationFile(version: version, name: name, sql: sql))
        }
        return files.sorted { $0.version < $1.version }
    }

    static func version(of name: String) -> Int? {
        guard name.hasPrefix("V"), let separator = name.firstRange(of: "__") else { return nil }
        let digits = name[name.index(after: name.startIndex)..<separator.lowerBound]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(digits) else {
            return nil
        }
        return version
    }
}
