import Benchmark
import Foundation
import PurchaseEvents

// Each pair measures ours and its reference on the same inputs in the same run, so the figures to read
// are the ratios between the two rows, not the absolute numbers of this machine. With
// `scalingFactor: .kilo` one measured iteration handles 1,000 messages and the starred figures are per
// message. Nothing here asserts a time.

/// Found by the code BenchmarkPlugin generates. A function rather than the usual global closure, so
/// that Swift 6 needs no `@Sendable` on the state the benchmarks capture.
func benchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 2_000
    )

    // 1. Decoding a message value: PurchaseDecoder vs JSONDecoder into a plain Codable struct. Ours reads
    // the coarse clock per message for the future-skew check, as the loader does.
    Benchmark("Decode: PurchaseDecoder", configuration: configuration) { benchmark, messages in
        let decoder = PurchaseDecoder()
        messages.bytes.withUnsafeBytes { all in
            for i in Messages.window(benchmark) {
                blackHole(
                    try! decoder.decode(UnsafeRawBufferPointer(rebasing: all[messages.ranges[i]]), now: .coarseNow()))
            }
        }
    } setup: {
        Messages.shared
    }

    // The same purchases in the forms other producers send (integer ids, money as JSON numbers, epoch
    // milliseconds): the loader must not slow down for them.
    Benchmark("Decode: PurchaseDecoder, other producers' forms", configuration: configuration) { benchmark, messages in
        let decoder = PurchaseDecoder()
        messages.foreignBytes.withUnsafeBytes { all in
            for i in Messages.window(benchmark) {
                blackHole(
                    try! decoder.decode(
                        UnsafeRawBufferPointer(rebasing: all[messages.foreignRanges[i]]), now: .coarseNow()))
            }
        }
    } setup: {
        Messages.shared
    }

    Benchmark("Decode: JSONDecoder (reference)", configuration: configuration) { benchmark, messages in
        let decoder = JSONDecoder()
        for i in Messages.window(benchmark) {
            blackHole(try! decoder.decode(ReferencePurchase.self, from: messages.data[i]))
        }
    } setup: {
        Messages.shared
    }

    // 2. COPY encoding of decoded purchases: binary rows as the loader writes them vs CSV text.
    Benchmark("COPY rows: binary (StagingRows)", configuration: configuration) { benchmark, state in
        let (messages, rows) = state
        for i in Messages.window(benchmark) {
            rows.add(messages.events[i])
        }
    } setup: {
        (Messages.shared, LoaderRows())
    }

    Benchmark("COPY rows: CSV String (reference)", configuration: configuration) { benchmark, state in
        let (messages, rows) = state
        for i in Messages.window(benchmark) {
            rows.add(ReferencePurchase(messages.events[i]))
        }
    } setup: {
        (Messages.shared, CSVRows())
    }

    // 3. Both together, the loader's per-message CPU work: message value in, COPY row out.
    Benchmark("Loader path: StagingRows.add (decode + binary row)", configuration: configuration) { benchmark, state in
        let (messages, rows) = state
        messages.bytes.withUnsafeBytes { all in
            for i in Messages.window(benchmark) {
                rows.add(value: UnsafeRawBufferPointer(rebasing: all[messages.ranges[i]]))
            }
        }
    } setup: {
        (Messages.shared, LoaderRows())
    }

    Benchmark("Loader path: JSONDecoder + CSV row (reference)", configuration: configuration) { benchmark, state in
        let (messages, rows) = state
        let decoder = JSONDecoder()
        for i in Messages.window(benchmark) {
            rows.add(try! decoder.decode(ReferencePurchase.self, from: messages.data[i]))
        }
    } setup: {
        (Messages.shared, CSVRows())
    }

    // 4. The generator's per-event work: simulate a purchase and write its JSON and key.
    Benchmark("Generator: simulate + JSON bytes", configuration: configuration) { benchmark, loop in
        for _ in benchmark.scaledIterations { loop.next() }
    } setup: {
        GeneratorLoop()
    }

    Benchmark("Generator: simulate + JSONEncoder (reference)", configuration: configuration) { benchmark, loop in
        for _ in benchmark.scaledIterations { loop.next() }
    } setup: {
        ReferenceGeneratorLoop()
    }
}
