import Testing

@testable import PurchaseEvents

@Suite struct FlatJSONScannerTests {
    /// What `specialBytes` must agree with, byte by byte.
    func isPlain(_ b: UInt8) -> Bool { b >= 0x20 && b < 0x80 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") }

    @Test func specialBytesFindsTheFirstByteNeedingASecondLook() {
        for position in 0..<8 {
            for value in 0...255 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(value)
                // A second special byte above the first must not hide or move it.
                if position < 7 { bytes[7] = 0x00 }
                let word = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                let special = FlatJSONScanner.specialBytes(word)
                let expected: Int? = isPlain(UInt8(value)) ? (position < 7 ? 7 : nil) : position
                let first: Int? = special == 0 ? nil : special.trailingZeroBitCount / 8
                #expect(first == expected, "byte \(value) at \(position)")
            }
        }
    }

    /// Strings of every length up to 40 with an escape, a non-ASCII character or nothing special at every
    /// offset decode to the same text, whichever 8-byte word the special byte falls in.
    @Test func decodesStringsWhateverWhereTheSpecialBytesFall() throws {
        for length in 0...40 {
            for offset in 0...length {
                for (written, meant) in [("", ""), ("\\n", "\n"), ("é", "é"), ("\\u00e9", "é"), ("\\\"", "\"")] {
                    let plain = String(repeating: "x", count: length)
                    let index = plain.index(plain.startIndex, offsetBy: offset)
                    let json = "{\"k\":\"" + plain[..<index] + written + plain[index...] + "\"}"
                    let expected = String(plain[..<index]) + meant + String(plain[index...])
                    let got = Array(json.utf8).withUnsafeBytes { raw -> String? in
                        var scanner = FlatJSONScanner(raw)
                        var text: String?
                        do {
                            try scanner.scanObject { _, value in
                                if case .string(let s) = value { text = s.string }
                            }
                        } catch {
                            return nil
                        }
                        return text
                    }
                    #expect(got == expected, "\(json)")
                }
            }
        }
    }

    /// The scanner's reason for rejecting `bytes`, nil when it accepts them.
    func reason(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            var scanner = FlatJSONScanner(raw)
            do {
                try scanner.scanObject { _, _ in }
                return nil
            } catch {
                return (error as? ValidationFailure)?.reason ?? "\(error)"
            }
        }
    }

    @Test func rejectsControlCharactersAndUnterminatedStringsAtEveryOffset() {
        for length in 0...20 {
            for offset in 0...length {
                var bytes =
                    Array("{\"k\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: length) + Array("\"}".utf8)
                bytes.insert(0x01, at: 6 + offset)
                #expect(reason(bytes) == "invalid JSON at byte \(6 + offset): control character in a string")
            }
            let open = Array("{\"k\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: length)
            #expect(reason(open) == "invalid JSON at byte \(open.count): unterminated string")
        }
    }
}
