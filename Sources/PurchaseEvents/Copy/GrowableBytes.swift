/// The byte storage behind `BinaryCopyEncoder`: one heap block that grows by doubling.
///
/// `[UInt8].append(contentsOf:)` cost about 75 instructions per call, and a purchase row is some 45 small
/// appends (lengths, integers, text), which made encoding a fifth of the loader's instructions per message.
/// Here a row reserves room once (`reserve`) and its fields are stored into that room by `CopyFieldWriter`.
///
/// Memory safety rests on two invariants, kept by this type alone: `count <= capacity`, and the first
/// `capacity` bytes of `base` are allocated (the first `count` initialized, as bytes). `BinaryCopyEncoder`
/// copies the storage before mutating it when it is shared, so encoders keep value semantics.
final class GrowableBytes: @unchecked Sendable {
    // @unchecked Sendable: an instance is mutated only through an encoder that holds the sole reference
    // (`isKnownUniquelyReferenced`), so no two threads ever touch a shared one except to read it.
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    func copy() -> GrowableBytes {
        let other = GrowableBytes(capacity: capacity)
        other.base.copyMemory(from: base, byteCount: count)
        other.count = count
        return other
    }

    /// The uninitialized room for at least `byteCount` more bytes; `commit` then says how many were written.
    func reserve(_ byteCount: Int) -> UnsafeMutableRawBufferPointer {
        precondition(byteCount >= 0)
        if capacity - count < byteCount {
            var newCapacity = capacity * 2
            while newCapacity - count < byteCount { newCapacity *= 2 }
            let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            newBase.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }
        return UnsafeMutableRawBufferPointer(start: base + count, count: byteCount)
    }

    /// Counts `byteCount` bytes written into the room the last `reserve` returned.
    func commit(_ byteCount: Int) {
        precondition(byteCount >= 0 && count + byteCount <= capacity)
        count += byteCount
    }

    func removeAll() { count = 0 }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
