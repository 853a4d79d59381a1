import Testing

@testable import PurchaseEvents

@Suite struct BinaryCopyEncoderTests {
    /// The bytes after the 19-byte header for one numeric field.
    func numeric(_ text: String, exponent: Int = 2) -> [UInt8] {
        var encoder = BinaryCopyEncoder()
        encoder.appendRow(fieldCount: 1, maximumByteCount: CopyFieldWriter.maximumFixedFieldSize) {
            $0.numeric(Money(text, exponent: exponent)!)
        }
        return Array(encoder.buffer.dropFirst(19 + 2))  // the header, then the row's field count
    }

    @Test func writesTheSignatureAndTrailer() {
        var encoder = BinaryCopyEncoder()
        encoder.finish()
        #expect(
            encoder.buffer == Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF])
    }

    // numeric_send's layout: length, ndigits, weight, sign, dscale, base-10000 digits.
    @Test func encodesNumericsAsPostgresDoes() {
        #expect(numeric("12.34") == [0, 0, 0, 12, 0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x0D, 0x48])
        #expect(numeric("0.05") == [0, 0, 0, 10, 0, 1, 0xFF, 0xFF, 0, 0, 0, 2, 0x01, 0xF4])
        #expect(numeric("0.00") == [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2])
        #expect(numeric("10000.00") == [0, 0, 0, 10, 0, 1, 0, 1, 0, 0, 0, 2, 0, 1])
        // 1|2345|6789 . 1000
        #expect(
            numeric("123456789.10") == [0, 0, 0, 16, 0, 4, 0, 2, 0, 0, 0, 2, 0, 1, 0x09, 0x29, 0x1A, 0x85, 0x03, 0xE8])
    }

    /// The display scale is the currency's places: yen without a fraction, dinars with three.
    @Test func encodesEachCurrencysScale() {
        #expect(numeric("3500", exponent: 0) == [0, 0, 0, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0x0D, 0xAC])
        #expect(numeric("1.234", exponent: 3) == [0, 0, 0, 12, 0, 2, 0, 0, 0, 0, 0, 3, 0, 1, 0x09, 0x24])
        #expect(numeric("0.005", exponent: 3) == [0, 0, 0, 10, 0, 1, 0xFF, 0xFF, 0, 0, 0, 3, 0, 50])
        #expect(numeric("38.9", exponent: 1) == [0, 0, 0, 12, 0, 2, 0, 0, 0, 0, 0, 1, 0, 38, 0x23, 0x28])
    }

    @Test func countsRows() {
        var encoder = BinaryCopyEncoder()
        encoder.appendRow(fieldCount: 1, maximumByteCount: 4) { $0.null() }
        encoder.appendRow(fieldCount: 1, maximumByteCount: 8) { $0.int32(7) }
        #expect(encoder.rowCount == 2)
    }
}
