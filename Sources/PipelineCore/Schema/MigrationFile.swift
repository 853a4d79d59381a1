import Foundation

/// One versioned schema file, `V{NNN}__{description}.sql`, Flyway's naming.
public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    /// Reads every migration in `directory`, ordered by version. Files that do not follow the naming rule
    /// (other than dotfiles and READMEs) are an error, so a typo never silently skips a migration.
    public static func load(from directory: String) throws -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PipelineError("cannot read the migrations directory \(directory): \(error.localizedDescription)")
        }
        var files: [MigrationFile] = []
        for name in names.sorted() where !name.hasPrefix(".") && name.hasSuffix(".sql") {
            guard let version = version(of: name) else {
                throw PipelineError("migration \(name) is not named V<number>__<description>.sql")
            }
            guard let sql = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else {
                throw PipelineError("cannot read migration \(directory)/\(name)")
            }
            if let other = files.first(where: { $0.version == version }) {
                throw PipelineError("migrations \(other.name) and \(name) have the same version \(version)")
            }
            files.append(MigrationFile(version: version, name: name, sql: sql))
        }
        return files.sorted { $0.version < $1.version }
    }

    static func version(of name: String) -> Int? {
        guard name.hasPrefix("V"), let separator = name.firstRange(of: "__") else { return nil }
        let digits = name[name.index(after: name.startIndex)..<separator.lowerBound]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let version = Int(digits) else { return nil }
        return version
    }
}
