import Testing

@testable import PurchaseEvents

@Suite struct MoneyTests {
    /// The one rule, for a currency with `exponent` places: nil when the text is not an amount there.
    func money(_ text: String, _ exponent: Int) -> Money? { Money(text, exponent: exponent) }

    @Test func yenHaveNoMinorUnit() {
        #expect(money("3500", 0) == Money(minorUnits: 3500, exponent: 0))
        #expect(money("3500.00", 0) == Money(minorUnits: 3500, exponent: 0))
        #expect(money("3500.", 0) == nil)
        #expect(money("1500.50", 0) == nil)
        #expect(money("0.5", 0) == nil)
    }

    @Test func eurosHaveTwoPlacesAndMayBeWrittenWithFewerOrMoreZeros() {
        #expect(money("38.97", 2)?.minorUnits == 3897)
        #expect(money("38.9", 2)?.minorUnits == 3890)
        #expect(money("38", 2)?.minorUnits == 3800)
        #expect(money("38.970", 2)?.minorUnits == 3897)
        #expect(money("38.97000", 2)?.minorUnits == 3897)
        #expect(money("38.975", 2) == nil)
        #expect(money("0.01", 2)?.minorUnits == 1)
        #expect(money("999999999999999.99", 2)?.minorUnits == 99_999_999_999_999_999)
    }

    @Test func dinarsHaveThreePlaces() {
        #expect(money("1.234", 3)?.minorUnits == 1234)
        #expect(money("1.2", 3)?.minorUnits == 1200)
        #expect(money("1.2340", 3)?.minorUnits == 1234)
        #expect(money("1.2345", 3) == nil)
    }

    /// Beyond the thousandths every currency refuses a non-zero digit, however far out.
    @Test func aNonZeroDigitBeyondThreePlacesIsRefusedEverywhere() {
        for exponent in 0...3 { #expect(money("1.0000001", exponent) == nil) }
        #expect(money("1.0000000", 0)?.minorUnits == 1)
    }

    @Test(arguments: [
        "", ".50", "5.", "-1.00", "+1.00", "1,00", "1e2", "1E2", " 1.00", "1.00 ", "1..00", "NaN", "0x10",
        "1234567890123456.00",
    ])
    func rejectsOtherForms(_ text: String) {
        for exponent in 0...3 { #expect(money(text, exponent) == nil) }
    }

    /// Parsed from the text, exactly: 0.1 + 0.2 is 0.30 here.
    @Test func addsExactly() {
        #expect(money("0.1", 2)! + money("0.2", 2)! == money("0.30", 2)!)
    }

    @Test func printsItsCurrencysPlaces() {
        #expect(Money(minorUnits: 5, exponent: 2).description == "0.05")
        #expect(Money(minorUnits: 1230, exponent: 2).description == "12.30")
        #expect(Money(minorUnits: -105, exponent: 2).description == "-1.05")
        #expect(Money(minorUnits: 0, exponent: 2).description == "0.00")
        #expect(Money(minorUnits: 3500, exponent: 0).description == "3500")
        #expect(Money(minorUnits: 1234, exponent: 3).description == "1.234")
        #expect(Money(minorUnits: 5, exponent: 3).description == "0.005")
    }

    @Test func minorUnitsComeFromISO4217() {
        #expect(ReferenceData.minorUnit(of: "JPY") == 0)
        #expect(ReferenceData.minorUnit(of: "KRW") == 0)
        #expect(ReferenceData.minorUnit(of: "EUR") == 2)
        #expect(ReferenceData.minorUnit(of: "BHD") == 3)
        #expect(ReferenceData.minorUnit(of: "KWD") == 3)
        #expect(ReferenceData.minorUnit(of: "XXX") == nil)
    }

    /// The cap is a million units, times 10^k where a dollar buys 10^k or more: about one to ten million
    /// dollars in every currency.
    @Test func theUnitPriceCapScalesWithTheCurrency() {
        #expect(ReferenceData.unitPriceCap(of: "USD")?.description == "1000000.00")
        #expect(ReferenceData.unitPriceCap(of: "JPY")?.description == "100000000")
        #expect(ReferenceData.unitPriceCap(of: "VND")?.description == "10000000000")
        #expect(ReferenceData.unitPriceCap(of: "IDR")?.description == "10000000000.00")
        #expect(ReferenceData.unitPriceCap(of: "BHD")?.description == "1000000.000")
        let listed = ReferenceData.unitsPerDollarPowerOfTen.values.flatMap { $0.split(whereSeparator: \.isWhitespace) }
        #expect(listed.allSatisfy { ReferenceData.currencies.contains(String($0)) })
        #expect(Set(listed).count == listed.count)
        #expect(ReferenceData.currenciesWithoutMinorUnit.isSubset(of: ReferenceData.currencies))
        #expect(ReferenceData.currenciesWithThreePlaces.isSubset(of: ReferenceData.currencies))
    }
}
