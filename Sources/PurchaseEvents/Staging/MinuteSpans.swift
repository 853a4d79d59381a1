/// The event times a load batch touched, per UTC minute: the earliest and the latest in each.
///
/// They are the batch's ingest-ledger rows. The rollup reads only that span of a minute, through the
/// `created_at` index, to find the batch's rows and add them to additive models' totals, instead of rescanning
/// the whole minute; copies of an event share its time, so they lie in the span too.
public struct MinuteSpans: Sendable {
    /// One minute's span, both ends included.
    public struct Span: Equatable, Sendable {
        /// The minute's start, in seconds since the epoch.
        public var minute: Int64
        public var first: EventTime
        public var last: EventTime
    }

    private var spans: [Int64: Span] = [:]
    /// The span of the minute the last insert fell in, kept out of the dictionary until the minute changes:
    /// consecutive messages of a partition mostly share a minute, and comparing is cheaper than hashing.
    private var current: Span?

    public init() {}

    public var isEmpty: Bool { current == nil }

    public mutating func insert(_ time: EventTime) {
        if var span = current, time.microsecondsSinceEpoch - span.minute * 1_000_000 < 60_000_000,
            time.microsecondsSinceEpoch >= span.minute * 1_000_000
        {
            if time < span.first { span.first = time }
            if time > span.last { span.last = time }
            current = span
            return
        }
        if let current { spans[current.minute] = current }
        let minute = time.minuteEpochSeconds
        var span = spans[minute] ?? Span(minute: minute, first: time, last: time)
        if time < span.first { span.first = time }
        if time > span.last { span.last = time }
        current = span
    }

    /// Every minute's span, earliest minute first.
    public var all: [Span] {
        var result = spans
        if let current { result[current.minute] = current }
        return result.values.sorted { $0.minute < $1.minute }
    }
}
