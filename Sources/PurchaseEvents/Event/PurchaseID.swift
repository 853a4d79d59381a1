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
    ///
    /// Straight-line over the five groups (the loader parses one per message; a loop that asked at every
    /// byte whether it was a dash position cost four times as much).
    public init?(bytes: UnsafeRawBufferPointer) {
        let dash = UInt8(ascii: "-")
        guard bytes.count == 36, bytes[8] == dash, bytes[13] == dash, bytes[18] == dash, bytes[23] == dash else {
            return nil
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var invalid = false
        func take(_ range: Range<Int>, into value: inout UInt64) {
            for k in range {
                let nibble = Self.hexValue(bytes[k])
                invalid = invalid || nibble > 15
                value = value << 4 | UInt64(nibble & 15)
            }
        }
        take(0..<8, into: &high)
        take(9..<13, into: &high)
        take(14..<18, into: &high)
        take(19..<23, into: &low)
        take(24..<36, into: &low)
        guard !invalid else { return nil }
        self.high = high
        self.low = low
    }

    /// The value of a hexadecimal digit (either case), or 255 for any other byte.
    private static func hexValue(_ b: UInt8) -> UInt8 {
        let digit = b &- UInt8(ascii: "0")
        if digit < 10 { return digit }
        let letter = (b | 0x20) &- UInt8(ascii: "a")  // | 0x20 lower-cases A-F
        return letter < 6 ? letter + 10 : 255
    }

    public init?(_ string: String) {
        var copy = string
        guard let parsed = copy.withUTF8({ PurchaseID(bytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    public var description: String {
        String(decoding: JSONByteWriter.bytes(bound: 36) { $0.uuid(self) }, as: UTF8.self)
    }
}
