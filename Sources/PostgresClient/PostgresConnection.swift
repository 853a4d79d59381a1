import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// One blocking libpq connection, owned by one thread at a time.
///
/// It is deliberately synchronous: the loader and the rollup run their database work on a dedicated thread
/// (see `BlockingWorker`), so a blocking `PQexec` never starves Swift's cooperative pool, and the code reads
/// top-down like the SQL it runs. The handle is freed exactly once, in `deinit`.
public final class PostgresConnection {
    let handle: OpaquePointer
    /// Whether a COPY FROM STDIN is in progress (no other statement may run until it ends).
    public internal(set) var isCopying = false
    /// Bytes queued in libpq during a COPY and not yet sent, roughly: see `putCopyData`.
    var copyBacklog = 0
    /// The password from the settings, if any, so it can be blotted out of every message libpq returns.
    private let secret: String?

    /// Opens a connection.
    ///
    /// - Parameter settings: a libpq connection string (`host=... dbname=...`) or URL
    ///   (`postgresql://user:pw@host/db`); empty means libpq's own `PG*` environment variables decide.
    ///   Unless the settings or `PGCONNECT_TIMEOUT` say otherwise, connecting gives up after 10 s, so an
    ///   unreachable server is an error, never a hang.
    public init(settings: String, applicationName: String = "purchase-stream") throws(PostgresError) {
        let secret = Self.password(in: settings)
        var keywords = ["application_name"]
        var values = [applicationName]
        if getenv("PGCONNECT_TIMEOUT") == nil {
            keywords.append("connect_timeout")
            values.append("10")
        }
        if !settings.isEmpty {
            // expand_dbname: this first dbname is parsed as a full connection string/URL and its
            // settings override the defaults above.
            keywords.append("dbname")
            values.append(settings)
        }
        let conn = withCStringArray(keywords) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn else {
            throw PostgresError(.connectionFailed, message: "libpq could not allocate a connection")
        }
        if PQstatus(conn) != CONNECTION_OK {
            let message = Self.redact(String(cString: PQerrorMessage(conn)), secret: secret)
            PQfinish(conn)
            throw PostgresError(.connectionFailed, message: message)
        }
        self.handle = conn
        self.secret = secret
    }

    deinit { PQfinish(handle) }

    /// Where this connection goes, without the password: safe for logs.
    public var endpointDescription: String {
        let host = PQhost(handle).map { String(cString: $0) } ?? "?"
        let port = PQport(handle).map { String(cString: $0) } ?? "?"
        let db = PQdb(handle).map { String(cString: $0) } ?? "?"
        let user = PQuser(handle).map { String(cString: $0) } ?? "?"
        return "\(user)@\(host):\(port)/\(db)"
    }

    /// Whether the socket is still usable; false after the server went away.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs SQL with no parameters through the simple-query protocol, which accepts several statements
    /// separated by semicolons (migrations are whole files). Never pass text built from input here.
    @discardableResult
    public func execute(script sql: String) throws(PostgresError) -> PostgresResult {
        let result = PQexec(handle, sql)
        return try check(result)
    }

    /// Runs one statement with bound parameters (text format; nil is SQL NULL).
    ///
    /// This is the only way values reach SQL here: they are never spliced into the statement text.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        let result: OpaquePointer? = withOptionalCStringArray(parameters) { params in
            PQexecParams(handle, sql, Int32(parameters.count), nil, params, nil, nil, 0)
        }
        return try check(result)
    }

    /// Turns a libpq result into a `PostgresResult` or a thrown error, freeing it on failure.
    func check(_ result: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        guard let result else { throw lastError(.statementFailed) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            return PostgresResult(result)
        default:
            let error = errorFrom(result)
            PQclear(result)
            throw error
        }
    }

    func errorFrom(_ result: OpaquePointer) -> PostgresError {
        func field(_ name: Character) -> String? {
            PQresultErrorField(result, Int32(name.asciiValue!)).map { String(cString: $0) }
        }
        let message = Self.redact(String(cString: PQresultErrorMessage(result)), secret: secret)
        let code: PostgresError.Code = PQstatus(handle) == CONNECTION_OK ? .statementFailed : .connectionLost
        return PostgresError(
            code, message: message, sqlState: field("C"),
            primaryMessage: field("M").map { Self.redact($0, secret: secret) },
            statementPosition: field("P").flatMap { Int($0) },
            detail: field("D").map { Self.redact($0, secret: secret) })
    }

    func lastError(_ code: PostgresError.Code) -> PostgresError {
        let message = Self.redact(String(cString: PQerrorMessage(handle)), secret: secret)
        return PostgresError(PQstatus(handle) == CONNECTION_OK ? code : .connectionLost, message: message)
    }

    /// The password a connection string or URL carries, found with libpq's own parser.
    static func password(in settings: String) -> String? {
        guard !settings.isEmpty, let options = PQconninfoParse(settings, nil) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val {
                let password = String(cString: value)
                return password.isEmpty ? nil : password
            }
            option += 1
        }
        return nil
    }

    static func redact(_ message: String, secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return message }
        return message.replacing(secret, with: "***")
    }

    /// Checks that connection settings parse, without connecting, so a malformed `DATABASE_URL` is a clear
    /// startup error. libpq's parse message names the bad part; the password is removed from it.
    public static func validate(settings: String) throws(PostgresError) {
        guard !settings.isEmpty else { return }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(settings, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "cannot parse the connection settings"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(.invalidSettings, message: redactAny(message, settings: settings))
        }
        PQconninfoFree(options)
    }

    /// For settings libpq cannot parse (so cannot tell us the password): blank out every value that could be
    /// one, a URL's `user:password@` and any `password=` value (URL query or key=value), since libpq's parse
    /// error may quote the whole string or just the offending token. The string is masked where the
    /// password sits, so a short password does not blank out look-alike text elsewhere in the message.
    private static func redactAny(_ message: String, settings: String) -> String {
        let bytes = Array(settings.utf8)
        var secrets: [Range<Int>] = []
        // user:password@ in the URL's authority.
        if let scheme = settings.firstRange(of: "://") {
            let from = settings.utf8.distance(from: settings.startIndex, to: scheme.upperBound)
            let authorityEnd =
                bytes[from...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? bytes.count
            if let at = bytes[from..<authorityEnd].lastIndex(of: UInt8(ascii: "@")),
                let colon = bytes[from..<at].firstIndex(of: UInt8(ascii: ":"))
            {
                secrets.append(colon + 1..<at)
            }
        }
        // Every `password=` value, found case-insensitively, up to `&` or a space (or a closing quote).
        let key = Array("password=".utf8)
        var index = 0
        while index + key.count <= bytes.count {
            guard zip(bytes[index..<index + key.count], key).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) else {
                index += 1
                continue
            }
            var start = index + key.count
            var end = start
            if start < bytes.count, bytes[start] == UInt8(ascii: "'") {
                start += 1
                end = bytes[start...].firstIndex(of: UInt8(ascii: "'")) ?? bytes.count
            } else {
                while end < bytes.count, bytes[end] != UInt8(ascii: "&"), bytes[end] != UInt8(ascii: " ") { end += 1 }
            }
            secrets.append(start..<end)
            index = end
        }
        secrets.removeAll { $0.isEmpty }
        guard !secrets.isEmpty else { return message }

        var masked = bytes
        for range in secrets.sorted(by: { $0.lowerBound > $1.lowerBound }) {
            masked.replaceSubrange(range, with: Array("***".utf8))
        }
        var redacted = message.replacing(settings, with: String(decoding: masked, as: UTF8.self))
        for range in secrets {
            let secret = String(decoding: bytes[range], as: UTF8.self)
            for form in [secret, percentDecoded(secret[...])].compactMap({ $0 }) {
                // A quoted token is the secret however short; elsewhere only a secret long enough not to
                // match ordinary text by chance.
                redacted = redacted.replacing("\"\(form)\"", with: "\"***\"")
                if form.count >= 4 { redacted = redact(redacted, secret: form) }
            }
        }
        return redacted
    }

    /// `%41` → `A`; nil when the text has no escapes or a malformed one.
    private static func percentDecoded(_ text: Substring) -> String? {
        var out: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        var escaped = false
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard let high = bytes.next().flatMap({ UInt8(String(UnicodeScalar($0)), radix: 16) }),
                let low = bytes.next().flatMap({ UInt8(String(UnicodeScalar($0)), radix: 16) })
            else { return nil }
            out.append(high << 4 | low)
            escaped = true
        }
        return escaped ? String(decoding: out, as: UTF8.self) : nil
    }
}

/// Runs `body` with a NULL-terminated `const char *const *` view of `strings`.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for pointer in duplicates { free(pointer) } }
    return duplicates.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Like `withCStringArray`, with nil kept as a NULL entry (SQL NULL for libpq parameters), not terminated.
func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for pointer in duplicates { free(pointer) } }
    return duplicates.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress) }
}
