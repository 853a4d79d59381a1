#if canImport(Glibc)
    import Glibc
#endif

/// Environment look-ups behind every flag: a flag wins, then its environment variable, then the default.
public enum Environment {
    public static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }

    /// Every non-empty variable whose name starts with `prefix`, keyed by the rest of the name: settings
    /// too many to list one by one (librdkafka's properties), and secrets that must stay out of `ps`.
    public static func withPrefix(_ prefix: String) -> [String: String] {
        var found: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            entry += 1
            guard text.hasPrefix(prefix), let equals = text.firstIndex(of: "=") else { continue }
            let name = String(text[text.index(text.startIndex, offsetBy: prefix.count)..<equals])
            let value = String(text[text.index(after: equals)...])
            if !name.isEmpty, !value.isEmpty { found[name] = value }
        }
        return found
    }
}
