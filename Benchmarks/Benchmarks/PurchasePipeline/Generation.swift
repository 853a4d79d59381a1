import Benchmark
import Foundation
import PurchaseEvents

/// The generator's per-event work (`PurchaseGenerator.run`): draw a purchase, write its JSON value and
/// its key into buffers reserved once. A class because the simulator's state must carry over from one
/// measured iteration to the next, and the benchmark closure gets its setup state by value.
final class GeneratorLoop {
    private var simulator = PurchaseSimulator(seed: 42)
    private let value: UnsafeMutableBufferPointer<UInt8>
    private let key = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 22)  // PurchaseSimulator.userIDBound
    private var time = Messages.shared.start

    init() { value = .allocate(capacity: simulator.maximumJSONBytes) }

    deinit {
        value.deallocate()
        key.deallocate()
    }

    func next() {
        time.microsecondsSinceEpoch += 1_000
        let draw = simulator.nextDraw(createdAt: time)
        blackHole(simulator.encodeJSON(draw, into: value) + simulator.encodeKey(draw, into: key))
    }
}

/// The reference for `GeneratorLoop`: the same draws as a `PurchaseEvent`, encoded the obvious way with
/// `JSONEncoder` (the key as the user id's bytes). Field order differs from ours, which the reference
/// is free to do: `JSONEncoder` makes no promise of order.
final class ReferenceGeneratorLoop {
    private var simulator = PurchaseSimulator(seed: 42)
    private let encoder = JSONEncoder()
    private var time = Messages.shared.start

    func next() {
        time.microsecondsSinceEpoch += 1_000
        let event = simulator.next(createdAt: time)
        do {
            blackHole(try encoder.encode(ReferencePurchase(event)))
        } catch {
            fatalError("JSONEncoder failed: \(error)")
        }
        blackHole(Data(event.userID.utf8))
    }
}
