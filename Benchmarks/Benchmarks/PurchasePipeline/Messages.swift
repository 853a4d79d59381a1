import Benchmark
import Foundation
import PurchaseEvents

/// The inputs every benchmark shares, made once per benchmark process so that no benchmark measures
/// their construction and ours and the reference read exactly the same data.
///
/// The messages are what the generator sends with its defaults (seed 42, 50,000 users), laid end to end
/// in one buffer as a consumer fetch holds them, with event times 1 ms apart ending a minute before
/// now, so the loader's future-skew check passes with the real clock.
struct Messages: Sendable {
    static let count = 10_000
    static let shared = Messages()

    /// All message values, back to back.
    let bytes: [UInt8]
    /// Where each message lies in `bytes`.
    let ranges: [Range<Int>]
    /// The same values, one `Data` each: what `JSONDecoder` takes, built here so the reference is not
    /// charged for copying them.
    let data: [Data]
    /// The values decoded by `PurchaseDecoder`: the input of the COPY encoding benchmarks.
    let events: [PurchaseEvent]
    /// The first event time, for benchmarks that simulate events of their own.
    let start: EventTime
    /// The same purchases as other producers send them: integer ids, money as JSON numbers, epoch
    /// milliseconds (the hostile catalogue's three loading forms, applied in turn), back to back.
    let foreignBytes: [UInt8]
    /// Where each of those lies in `foreignBytes`.
    let foreignRanges: [Range<Int>]

    private init() {
        let now = EventTime.now().microsecondsSinceEpoch
        start = EventTime(microsecondsSinceEpoch: now - 60_000_000 - Int64(Self.count) * 1_000)
        var simulator = PurchaseSimulator(seed: 42)
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for i in 0..<Self.count {
            let time = EventTime(microsecondsSinceEpoch: start.microsecondsSinceEpoch + Int64(i) * 1_000)
            let from = bytes.count
            simulator.next(createdAt: time).encodeJSON(into: &bytes)
            ranges.append(from..<bytes.count)
        }
        self.bytes = bytes
        self.ranges = ranges
        var foreignBytes: [UInt8] = []
        var foreignRanges: [Range<Int>] = []
        var replay = PurchaseSimulator(seed: 42)
        for i in 0..<Self.count {
            let time = EventTime(microsecondsSinceEpoch: start.microsecondsSinceEpoch + Int64(i) * 1_000)
            let event = replay.next(createdAt: time)
            var value = event.jsonBytes
            for kind in [HostileMessage.integerIDs, .moneyAsNumbers, .createdAtEpochMillis] {
                value = kind.make(from: value, key: [], purchase: event).value!
            }
            foreignRanges.append(foreignBytes.count..<foreignBytes.count + value.count)
            foreignBytes += value
        }
        self.foreignBytes = foreignBytes
        self.foreignRanges = foreignRanges
        data = ranges.map { Data(bytes[$0]) }
        let decoder = PurchaseDecoder()
        events = bytes.withUnsafeBytes { all in
            ranges.map { range in
                do {
                    return try decoder.decode(UnsafeRawBufferPointer(rebasing: all[range]), now: .coarseNow())
                } catch {
                    fatalError("a simulated message did not validate: \(error)")
                }
            }
        }
    }

    /// The indices one measured iteration works on: `scaledIterations.count` consecutive messages,
    /// moving on each iteration so that successive iterations cover all of them, as a loader sees ever
    /// new messages rather than the same few hot in cache. Always a full window, so that the starred
    /// per-message figures divide by the right count.
    static func window(_ benchmark: Benchmark) -> Range<Int> {
        let size = benchmark.scaledIterations.count
        precondition(count % size == 0, "a window must not run past the last message")
        let first = (benchmark.currentIteration * size) % count
        return first..<first + size
    }
}
