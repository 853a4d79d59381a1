import Foundation
import ProcessSupport

/// Reads the `.sql` files of a directory people edit (`migrations/`, `sql/`), in name order, with one clear
/// error for an unreadable directory or file.
package enum SQLDirectory {
    package static func files(in directory: String, what: String) throws -> [(name: String, text: String)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PipelineError(.file, "cannot read the \(what) directory \(directory): \(error.localizedDescription)")
        }
        return try names.sorted().filter { $0.hasSuffix(".sql") && !$0.hasPrefix(".") }.map { name in
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else {
                throw PipelineError(.file, "cannot read \(what) file \(directory)/\(name)")
            }
            return (name, text)
        }
    }
}
