/// A purchase's UUID as 16 bytes: parsed once from text, copied straight into binary COPY.
public struct PurchaseID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A random (version 4) UUID drawn from the generator's seeded source, so a seed reproduces the ids.
    public init(using rng: inout some RandomNumberGenerator) {
        let a = rng.next()
        let b = rng.next()
        high = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        low = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
    }

    /// Parses the canonical 8-4-4-4-12 hexadecimal form, either case.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 36 else { return nil }
        var value: (UInt64, UInt64) = (0, 0)
        var nibbles = 0
        for (i, b) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch b {
            case 48...57: nibble = b - 48
            case 97...102: nibble = b - 87
            case 65...70: nibble = b - 55
            default: return nil
            }
            if nibbles < 16 {
                value.0 = value.0 << 4 | UInt64(nibble)
            } else {
                value.1 = value.1 << 4 | UInt64(nibble)
            }
            nibbles += 1
        }
        high = value.0
        low = value.1
    }

    public init?(_ string: String) {
        var copy = string
        guard let parsed = copy.withUTF8({ PurchaseID(bytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    public var description: String {
        var out: [UInt8] = []
        JSONWriter.uuid(self, &out)
        return String(decoding: out, as: UTF8.self)
    }
}
