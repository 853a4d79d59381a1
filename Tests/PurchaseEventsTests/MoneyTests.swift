import Testing

@testable import PurchaseEvents

@Suite struct MoneyTests {
    @Test func parsesTwoPlaceDecimals() {
        #expect(Money("0.01")?.cents == 1)
        #expect(Money("12.34")?.cents == 1234)
        #expect(Money("999999999999.99")?.cents == 99_999_999_999_999)
    }

    @Test(arguments: [
        "", "1", "1.2", "1.234", ".50", "-1.00", "+1.00", "1,00", "1e2", " 1.00", "1.00 ", "1..00", "1234567890123.00",
    ])
    func rejectsOtherForms(_ text: String) {
        #expect(Money(text) == nil)
    }

    func number(_ text: String) -> Money? {
        var copy = text
        return copy.withUTF8 { Money(jsonNumber: UnsafeRawBufferPointer($0)) }
    }

    /// JSON numbers parse from their text, exactly: 0.1 + 0.2 is 0.30 here.
    @Test func parsesJSONNumbersExactly() {
        #expect(number("38.97")?.cents == 3897)
        #expect(number("38.9")?.cents == 3890)
        #expect(number("38")?.cents == 3800)
        #expect(number("38.970")?.cents == 3897)
        #expect(number("0")?.cents == 0)
        #expect(number("0.1")! + number("0.2")! == Money("0.30")!)
        #expect(number("999999999999.99")?.cents == 99_999_999_999_999)
    }

    @Test(arguments: ["", "12.995", "1e2", "1E2", "1.5e1", "-1", "-0", "1000000000000", ".5", "5.", "NaN", "0x10"])
    func rejectsJSONNumbersThatAreNotExactMoney(_ text: String) {
        #expect(number(text) == nil)
    }

    @Test func printsTwoPlaces() {
        #expect(Money(cents: 5).description == "0.05")
        #expect(Money(cents: 1230).description == "12.30")
        #expect(Money(cents: -105).description == "-1.05")
        #expect(Money(cents: 0).description == "0.00")
    }
}
