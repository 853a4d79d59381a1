import Testing

@testable import PurchaseEvents

@Suite struct PurchaseSimulatorTests {
    let time = EventTime("2026-11-24T20:00:00Z")!

    @Test func sameSeedSamePurchases() {
        var a = PurchaseSimulator(seed: 99)
        var b = PurchaseSimulator(seed: 99)
        for _ in 0..<500 { #expect(a.next(createdAt: time) == b.next(createdAt: time)) }
        var c = PurchaseSimulator(seed: 100)
        var d = PurchaseSimulator(seed: 99)
        #expect(c.next(createdAt: time) != d.next(createdAt: time))
    }

    @Test func purchasesAreValidAndSkewed() {
        var simulator = PurchaseSimulator(seed: 5)
        var countries: [String: Int] = [:]
        var users = Set<String>()
        for _ in 0..<20_000 {
            let p = simulator.next(createdAt: time)
            #expect(p.amount.minorUnits == p.unitPrice.minorUnits * Int64(p.quantity))
            #expect(ReferenceData.countries.contains(p.country) && ReferenceData.currencies.contains(p.currency))
            countries[p.country, default: 0] += 1
            users.insert(p.userID)
        }
        // The US leads and the long tail is thin; users come back.
        #expect(countries["US"]! > 4 * countries["NL"]!)
        #expect(users.count < 15_000)  // at least a quarter of orders are repeat purchases
    }
}
