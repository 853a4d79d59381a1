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

    @Test func printsTwoPlaces() {
        #expect(Money(cents: 5).description == "0.05")
        #expect(Money(cents: 1230).description == "12.30")
        #expect(Money(cents: -105).description == "-1.05")
        #expect(Money(cents: 0).description == "0.00")
    }
}
