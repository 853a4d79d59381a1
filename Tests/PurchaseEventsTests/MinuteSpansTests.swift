import Testing

@testable import PurchaseEvents

/// The ledger spans the rollup trusts to find a batch's rows: a row outside its minute's span would never be
/// added to the totals.
@Suite struct MinuteSpansTests {
    func time(_ text: String) -> EventTime { EventTime(text)! }

    @Test func keepsTheEarliestAndLatestOfEachMinuteWhateverTheOrder() {
        var spans = MinuteSpans()
        #expect(spans.isEmpty)
        for text in [
            "2026-11-24T10:00:30Z", "2026-11-24T10:00:10.5Z", "2026-11-24T10:01:00Z", "2026-11-24T10:00:59.999999Z",
            "2026-11-24T09:59:59.999999Z", "2026-11-24T10:01:20Z", "2026-11-24T10:00:00Z", "2026-11-24T10:01:05Z",
        ] {
            spans.insert(time(text))
        }
        #expect(!spans.isEmpty)
        #expect(
            spans.all == [
                .init(
                    minute: time("2026-11-24T09:59:00Z").minuteEpochSeconds,
                    first: time("2026-11-24T09:59:59.999999Z"), last: time("2026-11-24T09:59:59.999999Z")),
                .init(
                    minute: time("2026-11-24T10:00:00Z").minuteEpochSeconds, first: time("2026-11-24T10:00:00Z"),
                    last: time("2026-11-24T10:00:59.999999Z")),
                .init(
                    minute: time("2026-11-24T10:01:00Z").minuteEpochSeconds, first: time("2026-11-24T10:01:00Z"),
                    last: time("2026-11-24T10:01:20Z")),
            ])
    }

    @Test func handlesTimesBeforeTheEpoch() {
        var spans = MinuteSpans()
        spans.insert(EventTime(microsecondsSinceEpoch: -1))
        spans.insert(EventTime(microsecondsSinceEpoch: 0))
        spans.insert(EventTime(microsecondsSinceEpoch: -60_000_000))
        #expect(
            spans.all.map { [$0.minute, $0.first.microsecondsSinceEpoch, $0.last.microsecondsSinceEpoch] } == [
                [-60, -60_000_000, -1], [0, 0, 0],
            ])
    }
}
