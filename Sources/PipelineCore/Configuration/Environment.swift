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
}
