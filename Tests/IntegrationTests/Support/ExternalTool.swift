import Foundation

/// A real tool the tests check the pipeline against (python3 with jsonschema, kcat), run to completion.
/// A missing tool is a failure with the command that would install it, never a skip.
struct ExternalTool {
    let name: String
    /// What installs the tool on the machines this project runs on (scripts/ensure-deps.sh does).
    let install: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs the tool with `arguments` and returns its standard output; throws with its standard error when it
    /// exits non-zero.
    func run(_ arguments: [String]) throws -> String {
        guard let path = Self.find(name) else {
            throw Failure(description: "\(name) is not installed (\(install)); scripts/ensure-deps.sh installs it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        // Standard error goes to a file: two pipes would need two readers, or a full one blocks the tool.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            throw Failure(
                description:
                    "\(name) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(errors)")
        }
        return String(decoding: outputData, as: UTF8.self)
    }

    private static func find(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let python = ExternalTool(name: "python3", install: "apt-get install python3 python3-jsonschema")
    static let kcat = ExternalTool(name: "kcat", install: "apt-get install kcat")
}
