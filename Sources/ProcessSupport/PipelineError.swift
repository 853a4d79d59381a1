/// A failure of the pipeline's own making (bad files, a fenced batch, a retention gap), with a message meant
/// to be the one line a person reads before the process exits non-zero.
///
/// The code says what kind of failure it is, so callers and tests match codes instead of message text; it
/// is a struct with static constants rather than a frozen enum, so adding a code breaks no `switch`.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A setting, flag or environment variable is unusable, or a required one is missing.
        public static let configuration = Code("configuration")
        /// Retention deleted messages before they were loaded (`--on-gap stop`), or a stored offset lies
        /// outside what the broker holds.
        public static let retentionGap = Code("retention gap")
        /// Another loader advanced a partition this one was about to commit.
        public static let fenced = Code("fenced")
        /// The database's schema differs from what `migrations/` says (a changed or missing applied file).
        public static let schemaDrift = Code("schema drift")
        /// A migration file is misnamed, duplicated or failed to apply.
        public static let migration = Code("migration")
        /// A rollup model is missing, unreadable or failed.
        public static let model = Code("model")
        /// A lock (the migration lock) was not granted in time.
        public static let lockTimeout = Code("lock timeout")
        /// A COPY stored a different number of rows than were sent.
        public static let copyIncomplete = Code("copy incomplete")
        /// Messages could not be delivered to Kafka.
        public static let delivery = Code("delivery")
        /// The process was stopped (SIGTERM, SIGINT) before its work was done.
        public static let stopped = Code("stopped")
        /// A file could not be read or written.
        public static let file = Code("file")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
