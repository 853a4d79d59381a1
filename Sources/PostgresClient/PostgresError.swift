import CLibPQ

/// Every failure from libpq, carried as one Swift error so callers can tell a lost connection (retry) from a
/// rejected statement (a bug or bad data) without parsing text.
///
/// The message is libpq's or the server's own, with any password from the connection settings blotted out
/// before it is stored, so printing an error can never leak a secret.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure; extensible, so new cases never break callers' `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The connection could not be opened (wrong host, port, password, database...).
        public static let connectionFailed = Code(name: "connection failed")
        /// The connection broke while in use; retrying on a new connection is sound.
        public static let connectionLost = Code(name: "connection lost")
        /// The server rejected a statement; `sqlState` says why.
        public static let statementFailed = Code(name: "statement failed")
        /// A COPY could not be started, fed or finished.
        public static let copyFailed = Code(name: "copy failed")
        /// A result cell was NULL or not of the type the caller read it as.
        public static let unexpectedValue = Code(name: "unexpected value")
        /// The connection settings themselves do not parse.
        public static let invalidSettings = Code(name: "invalid connection settings")
    }

    public let code: Code
    /// The SQLSTATE the server reported (`23505` unique violation...), if any.
    public let sqlState: String?
    /// libpq's or the server's message, secrets removed.
    public let message: String
    /// The server's one-line message without libpq's decoration (`ERROR:`, the `LINE 3:` excerpt), for
    /// callers that say where the error is themselves.
    public let primaryMessage: String?
    /// Where in the statement the server found the error: a 1-based character index, if it said.
    public let statementPosition: Int?
    /// The server's DETAIL line, if it sent one (the rollup's own errors say there what was expected).
    public let detail: String?
    public let file: String
    public let line: Int

    public init(
        _ code: Code, message: String, sqlState: String? = nil, primaryMessage: String? = nil,
        statementPosition: Int? = nil, detail: String? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.detail = detail?.joinedOnOneLine()
        self.code = code
        self.message = message.joinedOnOneLine()
        self.sqlState = sqlState
        self.primaryMessage = primaryMessage?.joinedOnOneLine()
        self.statementPosition = statementPosition
        self.file = file
        self.line = line
    }

    /// Whether Postgres went away (restart, failover, network) rather than refused what was asked: the
    /// pipeline's long-running commands wait and reconnect on these instead of exiting.
    public var isOutage: Bool {
        if code == .connectionLost || code == .connectionFailed { return true }
        guard let sqlState else { return false }
        // Connection exceptions; admin shutdown, crash shutdown, cannot connect now (starting up).
        return sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// Whether a connection failed because no server answers yet (not started, starting up, unreachable,
    /// its name not resolvable yet), as opposed to one that answered and refused (a password, a database
    /// or role that does not exist): worth waiting for at startup, where a refusal is not. libpq gives a
    /// failed connection no SQLSTATE, so its message is what tells them apart.
    public var isServerNotReady: Bool {
        if sqlState == "57P03" { return true }
        guard code == .connectionFailed else { return false }
        let signs = [
            "Connection refused", "No such file or directory", "the database system is starting up",
            "the database system is shutting down", "timeout expired", "Connection timed out", "No route to host",
            "could not translate host name", "server closed the connection unexpectedly", "Network is unreachable",
        ]
        return signs.contains { message.contains($0) }
    }

    public var description: String {
        if let sqlState { return "postgres \(code): \(message) (SQLSTATE \(sqlState))" }
        return "postgres \(code): \(message)"
    }
}

extension String {
    /// libpq's messages span lines ("...failed: No such file\n\tIs the server running..."); a log line or
    /// a command's error must be one line, so line breaks and the indentation after them become one space.
    func joinedOnOneLine() -> String {
        split(whereSeparator: \.isNewline).map { $0.trimmingPrefix(while: \.isWhitespace) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}
