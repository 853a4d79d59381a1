#if canImport(Glibc)
    import Glibc
#endif

/// The last line a failing command prints: one line naming the problem, then exit 1. No stack dump.
public enum ExitMessage {
    public static func fail(_ command: String, _ error: any Error) -> Never {
        let text = "\(error)".split(separator: "\n").joined(separator: " ")
        let line = Array("\(command): error: \(text)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(1)
    }
}
