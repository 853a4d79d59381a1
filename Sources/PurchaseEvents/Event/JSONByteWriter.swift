/// Stores JSON pieces at a cursor in memory reserved up front.
///
/// The generator encodes hundreds of thousands of events a second. Appending each piece to an `Array`
/// checked capacity and uniqueness and zero-filled padding for every field (about 6,400 instructions an
/// event under callgrind); here the encoder computes an upper bound of its output once, reserves it, and
/// every piece is a plain store or `memcpy`.
///
/// Safety contract: each writing method documents the most bytes it can write; whoever creates a writer
/// must give it at least the sum of those bounds for everything it will write. `end` is checked by
/// `assert` (debug builds, so the tests check every bound) and not in release builds.
struct JSONByteWriter {
    private(set) var cursor: UnsafeMutablePointer<UInt8>
    private let start: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        start = buffer.baseAddress!
        cursor = start
        end = start + buffer.count
    }

    /// Bytes written so far.
    var count: Int { cursor - start }

    /// Runs `body` on a writer over `bound` bytes of scratch memory and returns what it wrote, for
    /// one-off encodings (descriptions, the hostile catalogue); `bound` must cover everything `body` writes.
    static func bytes(bound: Int, _ body: (inout JSONByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            var writer = JSONByteWriter(buffer)
            body(&writer)
            initialized = writer.count
        }
    }

    private mutating func advance(_ n: Int) {
        assert(end - cursor >= n, "JSONByteWriter: the caller's bound was too small")
        cursor += n
    }

    /// Writes one byte.
    mutating func byte(_ value: UInt8) {
        assert(cursor < end, "JSONByteWriter: the caller's bound was too small")
        cursor.pointee = value
        cursor += 1
    }

    /// Writes `text` as it is: `text.utf8CodeUnitCount` bytes.
    mutating func literal(_ text: StaticString) {
        raw(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Writes `bytes` as they are: `bytes.count` bytes.
    mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        let target = cursor
        advance(bytes.count)
        UnsafeMutableRawPointer(target).copyMemory(from: base, byteCount: bytes.count)
    }

    /// At most this many bytes for `escaped(string)`: `\u00XX` is the longest escape of one byte.
    static func escapedBound(_ string: String) -> Int { 6 * string.utf8.count }

    /// A string's UTF-8, escaped where JSON requires it (quotes, backslashes, control characters); at most
    /// `escapedBound(string)` bytes.
    mutating func escaped(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            var plain = true
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                plain = false
                break
            }
            if plain { return raw(UnsafeRawBufferPointer(utf8)) }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): literal(#"\""#)
                case UInt8(ascii: "\\"): literal(#"\\"#)
                case 0..<0x20:
                    literal(#"\u00"#)
                    self.byte(Self.hexDigit(byte >> 4))
                    self.byte(Self.hexDigit(byte & 0xF))
                default: self.byte(byte)
                }
            }
        }
    }

    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// A signed decimal integer: at most 20 bytes.
    mutating func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        unsigned(value.magnitude, width: 1)
    }

    /// Decimal digits, zero-padded to `width`: at most `max(20, width)` bytes.
    mutating func unsigned(_ value: UInt64, width: Int) {
        // Count the digits by comparison (a multiply per digit, no division).
        var count = 1
        var limit: UInt64 = 10
        while count < 20, value >= limit {
            count += 1
            limit &*= 10
        }
        digits(value, count: max(count, width))
    }

    /// The last `count` decimal digits of `value`, zero-padded: exactly `count` bytes.
    mutating func digits(_ value: UInt64, count: Int) {
        let first = cursor
        advance(count)
        // Fill from the last digit back; positions the value does not reach are the zero padding.
        var position = cursor
        var v = value
        while position > first {
            position -= 1
            position.pointee = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        }
    }

    /// An amount with its currency's places, `-123.45`, `3500`, `1.234`: at most 22 bytes.
    mutating func money(_ value: Money) {
        if value.minorUnits < 0 { byte(UInt8(ascii: "-")) }
        let (units, minor) = MinorUnitScale(value.exponent).split(value.minorUnits.magnitude)
        unsigned(units, width: 1)
        guard value.exponent > 0 else { return }
        byte(UInt8(ascii: "."))
        digits(minor, count: value.exponent)
    }

    /// The canonical 8-4-4-4-12 lower-case form: exactly 36 bytes.
    mutating func uuid(_ id: PurchaseID) {
        hex(id.high >> 32, digits: 8)
        byte(UInt8(ascii: "-"))
        hex(id.high >> 16, digits: 4)
        byte(UInt8(ascii: "-"))
        hex(id.high, digits: 4)
        byte(UInt8(ascii: "-"))
        hex(id.low >> 48, digits: 4)
        byte(UInt8(ascii: "-"))
        hex(id.low, digits: 12)
    }

    /// The low `digits` nibbles of `value` in lower-case hexadecimal, most significant first: `digits` bytes.
    private mutating func hex(_ value: UInt64, digits: Int) {
        let first = cursor
        advance(digits)
        var position = cursor
        var v = value
        while position > first {
            position -= 1
            position.pointee = Self.hexDigit(UInt8(truncatingIfNeeded: v & 0xF))
            v >>= 4
        }
    }

    /// At most this many bytes for `time`: a year of up to 20 digits and 20 fixed ones.
    static let timeBound = 40

    /// RFC 3339 in UTC with milliseconds, `2026-11-24T20:15:03.123Z`: at most `timeBound` bytes.
    mutating func time(_ time: EventTime) {
        let parts = time.utcComponents
        unsigned(UInt64(parts.year), width: 4)
        byte(UInt8(ascii: "-"))
        // The other fields are in range by construction (month 1...12, millisecond 0...999 ...).
        digits(UInt64(parts.month), count: 2)
        byte(UInt8(ascii: "-"))
        digits(UInt64(parts.day), count: 2)
        byte(UInt8(ascii: "T"))
        digits(UInt64(parts.hour), count: 2)
        byte(UInt8(ascii: ":"))
        digits(UInt64(parts.minute), count: 2)
        byte(UInt8(ascii: ":"))
        digits(UInt64(parts.second), count: 2)
        byte(UInt8(ascii: "."))
        digits(UInt64(parts.millisecond), count: 3)
        byte(UInt8(ascii: "Z"))
    }

    /// What `time(_:)` writes, through `cache`: the calendar arithmetic runs only when the second changes.
    mutating func time(_ time: EventTime, cache: inout TimeTextCache) {
        let (second, microsecond) = time.microsecondsSinceEpoch.dividingFloor(by: 1_000_000)
        if second != cache.second {
            cache.second = second
            // Everything up to the milliseconds: the text of the second's first millisecond, cut there.
            let whole = EventTime(microsecondsSinceEpoch: second * 1_000_000)
            cache.prefix = Array(Self.bytes(bound: Self.timeBound) { $0.time(whole) }.dropLast(4))
        }
        cache.prefix.withUnsafeBytes { raw($0) }
        digits(UInt64(microsecond / 1_000), count: 3)
        byte(UInt8(ascii: "Z"))
    }
}

/// The text of the last whole second `JSONByteWriter.time(_:cache:)` wrote (`2026-11-24T20:15:03.`):
/// consecutive events mostly fall in the same second.
struct TimeTextCache: Sendable {
    var second = Int64.min
    var prefix: [UInt8] = []
}

extension Int64 {
    /// Quotient rounded towards minus infinity and the remainder that goes with it (0 ≤ remainder < divisor).
    func dividingFloor(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
