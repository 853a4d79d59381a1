/// A strict scanner for one flat JSON object, the shape of every purchase message.
///
/// It exists because the loader's hot path decodes hundreds of thousands of messages a second: it reads the
/// bytes once, allocates only for strings with escapes or non-ASCII text (keys included: they are handed over
/// as the message's bytes), and reports the first problem as a reason a person can read
/// (it becomes the dead letter's `reason`). Nested values are allowed only under keys the caller ignores.
struct FlatJSONScanner {
    enum Value {
        case string(JSONText)
        /// The number's text, unparsed (the caller decides what numbers it accepts).
        case number(UnsafeRawBufferPointer)
        case bool(Bool)
        case null
        case nested
    }

    let bytes: UnsafeRawBufferPointer
    var i = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Calls `visit` for each key and value of the top-level object, in order.
    mutating func scanObject(_ visit: (JSONText, Value) throws(ValidationFailure) -> Void) throws(ValidationFailure) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else {
            throw ValidationFailure(.notJSON, bytes.isEmpty ? "empty message" : "not a JSON object")
        }
        i += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw failure("expected a field name") }
                let key = try parseString()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after \"\(key.string)\"") }
                i += 1
                skipWhitespace()
                let value = try parseValue()
                try visit(key, value)
                skipWhitespace()
                let c = peek()
                i += 1
                if c == UInt8(ascii: ",") { continue }
                if c == UInt8(ascii: "}") { break }
                i -= 1
                throw failure("expected ',' or '}'")
            }
        }
        skipWhitespace()
        guard i == bytes.count else { throw failure("unexpected bytes after the JSON object") }
    }

    private func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    private func failure(_ what: String) -> ValidationFailure {
        ValidationFailure(.notJSON, "invalid JSON at byte \(i): \(what)")
    }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int = 0) throws(ValidationFailure) -> Value {
        guard let c = peek() else { throw failure("value missing") }
        switch c {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipNested(depth: depth)
            return .nested
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(ValidationFailure) {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { throw failure("truncated literal") }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { throw failure("unexpected character") }
        i += count
    }

    /// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func parseNumber() throws(ValidationFailure) -> UnsafeRawBufferPointer {
        let start = i
        if peek() == UInt8(ascii: "-") { i += 1 }
        func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 48 && $0 <= 57 } ?? false }
        guard isDigit(peek()) else { throw failure("malformed number") }
        if peek() == UInt8(ascii: "0") { i += 1 } else { while isDigit(peek()) { i += 1 } }
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard isDigit(peek()) else { throw failure("malformed number") }
            while isDigit(peek()) { i += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard isDigit(peek()) else { throw failure("malformed number") }
            while isDigit(peek()) { i += 1 }
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<i])
    }

    /// Parses a string, decoding escapes and rejecting invalid UTF-8 and raw control characters. Without
    /// escapes (nearly always) the text stays where it is, so ids, times and amounts are parsed from the
    /// message bytes without building a `String` first.
    private mutating func parseString() throws(ValidationFailure) -> JSONText {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes, the common case. Plain bytes (printable ASCII other than the quote and the
        // backslash) are skipped eight at a time; any other byte gets a second look.
        var j = i
        var nonASCII = false
        while j < bytes.count {
            while bytes.count - j >= 8 {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                let special = Self.specialBytes(word)
                if special == 0 {
                    j += 8
                    continue
                }
                j += special.trailingZeroBitCount / 8
                break
            }
            guard j < bytes.count else { break }
            let b = bytes[j]
            if b &- 0x20 < 0x60, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") {
                j += 1
                continue
            }
            if b == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<j])
                i = j + 1
                if !nonASCII { return .raw(raw) }
                guard let s = String(validating: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string")
                }
                return .decoded(s)
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 {
                i = j
                throw failure("control character in a string")
            }
            nonASCII = true  // 0x80 and above; validated as UTF-8 at the closing quote
            j += 1
        }
        i = j
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") {
                guard let s = String(validating: decoded, as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string")
                }
                return .decoded(s)
            }
            if b < 0x20 { throw failure("control character in a string") }
            guard b == UInt8(ascii: "\\") else {
                decoded.append(b)
                continue
            }
            guard let e = peek() else { break }
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(e)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard peek() == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired surrogate in a string")
                    }
                    i += 2
                    let lowSurrogate = try hex4()
                    guard (0xDC00..<0xE000).contains(lowSurrogate) else {
                        throw failure("unpaired surrogate in a string")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (lowSurrogate - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw failure("unpaired surrogate in a string")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                decoded.append(contentsOf: String(Character(unicode)).utf8)
            default: throw failure("invalid escape")
            }
        }
        throw failure("unterminated string")
    }

    /// Marks (with its high bit) each byte of `word` that is a quote, a backslash, a control character
    /// (below 0x20) or not ASCII (0x80 and above); zero when all eight bytes are plain string content.
    ///
    /// The classic SWAR tests ("Bit Twiddling Hacks", haszero/hasless): `(x - 0x01…) & ~x & 0x80…` flags
    /// bytes of `x` that are zero, and `(x - 0x20…) & ~x & 0x80…` bytes below 0x20. A flag can be false only
    /// above a true one (the subtraction borrows out of a true byte into the next), so the result is zero
    /// exactly when no byte is special, and its lowest flag, read little-endian (byte k is bits 8k..<8k+8),
    /// is the first special byte.
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highBits }
        let quotes = zeroBytes(word ^ (ones &* UInt64(UInt8(ascii: "\""))))
        let backslashes = zeroBytes(word ^ (ones &* UInt64(UInt8(ascii: "\\"))))
        let controls = (word &- ones &* 0x20) & ~word & highBits
        return quotes | backslashes | controls | (word & highBits)
    }

    private mutating func hex4() throws(ValidationFailure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case 48...57: d = UInt32(b - 48)
            case 97...102: d = UInt32(b - 87)
            case 65...70: d = UInt32(b - 55)
            default: throw failure("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// Skips an object or array (for fields the caller ignores), bounded in depth so hostile input cannot
    /// recurse without limit.
    private mutating func skipNested(depth: Int) throws(ValidationFailure) {
        guard depth < 32 else { throw failure("nesting deeper than 32 levels") }
        let open = bytes[i]
        let close = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        i += 1
        skipWhitespace()
        if peek() == close {
            i += 1
            return
        }
        while true {
            skipWhitespace()
            if open == UInt8(ascii: "{") {
                guard peek() == UInt8(ascii: "\"") else { throw failure("expected a field name") }
                _ = try parseString()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw failure("expected ':'") }
                i += 1
                skipWhitespace()
            }
            _ = try parseValue(depth: depth + 1)
            skipWhitespace()
            guard let c = peek() else { throw failure("unterminated value") }
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == close { return }
            throw failure("expected ',' or a closing bracket")
        }
    }
}

/// A JSON string value: the message's own bytes when they needed no decoding, or the decoded text.
/// The raw form is valid only while the message is.
enum JSONText {
    /// ASCII without escapes, as it stands in the message.
    case raw(UnsafeRawBufferPointer)
    case decoded(String)

    var string: String {
        switch self {
        case .raw(let bytes): String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        case .decoded(let text): text
        }
    }

    /// The length in UTF-8 bytes.
    var byteCount: Int {
        switch self {
        case .raw(let bytes): bytes.count
        case .decoded(let text): text.utf8.count
        }
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .raw(let bytes): return body(bytes)
        case .decoded(let text):
            var copy = text
            return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }
}
