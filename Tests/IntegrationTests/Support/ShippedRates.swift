import Foundation
import PurchaseEvents

extension PurchaseSimulator {
    /// The simulator as the generator runs it: the checkout's data/exchange_rates.csv, no foreign currencies.
    init(seed: UInt64, products: Int = 5_000, users: Int = 50_000) {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0...3 { root.deleteLastPathComponent() }
        let rates = try! ReferenceRates(file: root.appendingPathComponent("data/exchange_rates.csv").path)
        self.init(seed: seed, products: products, users: users, rates: rates)
    }
}
