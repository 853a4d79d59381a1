/// Stores binary COPY fields into room reserved in a `BinaryCopyEncoder` (`BinaryCopyEncoder.appendFields`).
///
/// Every store checks that it fits the room (a compare and a branch, unlike an array append's capacity and
/// uniqueness checks and call), so a wrong size estimate stops the process instead of writing past the room.
/// Formats: an int32 length (-1 for NULL), then the value in the type's binary send format, big-endian.
public struct CopyFieldWriter {
    let room: UnsafeMutableRawBufferPointer
    /// Bytes written so far.
    private(set) var count = 0

    init(room: UnsafeMutableRawBufferPointer) { self.room = room }

    mutating func raw<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        precondition(room.count - count >= size, "binary COPY field larger than the room reserved for it")
        room.baseAddress!.storeBytes(of: value.bigEndian, toByteOffset: count, as: T.self)  // unaligned is allowed
        count += size
    }

    mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        precondition(room.count - count >= bytes.count, "binary COPY field larger than the room reserved for it")
        if let source = bytes.baseAddress {
            (room.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Most bytes any single field below takes, apart from the bytes of text and `bytea` values.
    public static let maximumFixedFieldSize = 4 + 8 + 2 * NumericDigits.maximumCount

    public mutating func null() { raw(Int32(-1)) }

    public mutating func int32(_ value: Int32) {
        raw(Int32(4))
        raw(value)
    }

    public mutating func int64(_ value: Int64) {
        raw(Int32(8))
        raw(value)
    }

    /// `text`/`varchar`/`char`: bytes the caller knows are valid UTF-8 without NUL, as they are.
    public mutating func text(_ bytes: UnsafeRawBufferPointer) {
        raw(Int32(bytes.count))
        raw(bytes)
    }

    /// `text` from a `String`.
    public mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { text(UnsafeRawBufferPointer($0)) }
    }

    /// `text` from a message's JSON string, already validated (UTF-8 without NUL).
    mutating func text(_ value: JSONText) {
        switch value {
        case .raw(let bytes): text(bytes)
        case .decoded(let string): text(string)
        }
    }

    /// `bytea`, or NULL for nil.
    public mutating func bytes(_ value: UnsafeRawBufferPointer?) {
        guard let value else { return null() }
        raw(Int32(value.count))
        raw(value)
    }

    public mutating func uuid(_ value: PurchaseID) {
        raw(Int32(16))
        raw(value.high)
        raw(value.low)
    }

    /// `timestamptz`: microseconds since 2000-01-01 UTC.
    public mutating func timestamp(_ value: EventTime) { int64(value.postgresMicroseconds) }

    /// `numeric` with the currency's places as its display scale, from exact minor units: base-10,000
    /// digits, most significant first, as Postgres' own `numeric_send` writes them (no leading or trailing
    /// zero digits). The scale travels with each value, so an unconstrained `numeric` column stores 3500 yen
    /// as `3500` and 38.90 euros as `38.90`.
    public mutating func numeric(_ value: Money) {
        let digits = NumericDigits(value)
        raw(Int32(8 + 2 * digits.count))
        raw(Int16(digits.count))
        raw(digits.weight)
        raw(UInt16(value.minorUnits < 0 && digits.count > 0 ? 0x4000 : 0x0000))
        raw(Int16(value.exponent))
        for k in 0..<digits.count { raw(digits[k]) }
    }
}

/// The base-10,000 digits of an amount, without an array: the integer part's groups, most significant
/// first, then the fraction (at most 3 places) as one base-10,000 digit, trailing zero digits dropped.
struct NumericDigits {
    /// Int64's largest magnitude, 9.2 × 10^18 minor units, has at most 19 integer decimal digits: 5 groups,
    /// plus the fraction.
    static let maximumCount = 6
    private static let powers: [UInt64] = [1, 10_000, 100_000_000, 1_000_000_000_000, 10_000_000_000_000_000]

    private let integer: UInt64
    /// The fraction in ten-thousandths: 0.97 is 9700, 0.234 is 2340.
    private let fraction: Int16
    /// Groups in the integer part (0 for amounts under 1).
    private let groups: Int
    let count: Int
    /// The first digit's power of 10,000.
    let weight: Int16

    init(_ value: Money) {
        let scale = MinorUnitScale(value.exponent)
        let (units, minor) = scale.split(value.minorUnits.magnitude)
        integer = units
        fraction = Int16(minor) * scale.toTenThousandths
        var groups = 0
        while groups < Self.powers.count, integer >= Self.powers[groups] { groups += 1 }
        self.groups = groups
        if fraction != 0 {
            count = groups + 1
        } else {
            var kept = groups
            while kept > 0, (integer / Self.powers[groups - kept]) % 10_000 == 0 { kept -= 1 }
            count = kept
        }
        weight = count == 0 ? 0 : Int16(groups - 1)
    }

    subscript(k: Int) -> Int16 {
        k < groups ? Int16(truncatingIfNeeded: (integer / Self.powers[groups - 1 - k]) % 10_000) : fraction
    }
}
