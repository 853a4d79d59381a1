#if canImport(Glibc)
import Glibc
#endif

/// Simulates a shop's purchases: skewed country and category mixes, a catalogue with log-normal prices,
/// small quantities, and returning customers (a few users buy a lot).
///
/// Deterministic: the same seed gives the same sequence of purchases (ids, users, products, amounts).
/// Event times come from the clock the caller passes, so a fixed start time reproduces events byte for byte.
public struct PurchaseSimulator: Sendable {
    private var rng: SeededRandom
    private let catalogue: [Product]
    /// User ids, formatted once (`u-1000000`...): short enough to live inline in `String`, no allocation.
    private let userIDs: [String]

    struct Product: Sendable {
        let id: String
        let category: String
        let unitPriceCents: Int64
    }

    /// Rough shares of an international web shop's orders.
    static let countries = WeightedChoice<(String, String)>([
        (("US", "USD"), 28), (("GB", "GBP"), 11), (("DE", "EUR"), 10), (("FR", "EUR"), 7), (("CA", "CAD"), 5),
        (("JP", "JPY"), 5), (("AU", "AUD"), 4), (("NL", "EUR"), 4), (("ES", "EUR"), 3.5), (("IT", "EUR"), 3.5),
        (("SE", "SEK"), 2), (("BR", "BRL"), 2.5), (("IN", "INR"), 3), (("MX", "MXN"), 2), (("PL", "PLN"), 1.5),
        (("CH", "CHF"), 1.5), (("IE", "EUR"), 1), (("NO", "NOK"), 1), (("DK", "DKK"), 1), (("SG", "SGD"), 1),
        (("KR", "KRW"), 1.5), (("ZA", "ZAR"), 0.8), (("NZ", "NZD"), 0.7), (("BE", "EUR"), 1.2), (("AT", "EUR"), 1),
    ])

    /// Categories with their share of orders and the median unit price of their products, in cents.
    static let categories: [(name: String, weight: Double, medianCents: Double)] = [
        ("electronics", 14, 12_000), ("books", 12, 1_800), ("clothing", 18, 3_500), ("home", 12, 4_500),
        ("beauty", 9, 2_200), ("toys", 7, 2_800), ("sports", 8, 5_000), ("grocery", 12, 900),
        ("garden", 4, 3_800), ("automotive", 4, 6_500),
    ]

    static let paymentMethods = WeightedChoice<String>([
        ("card", 55), ("paypal", 18), ("apple_pay", 10), ("google_pay", 7), ("bank_transfer", 5),
        ("gift_card", 3), ("buy_now_pay_later", 2),
    ])

    static let categoryChoice = WeightedChoice<Int>(categories.enumerated().map { ($0.offset, $0.element.weight) })

    public init(seed: UInt64, products: Int = 5_000, users: Int = 50_000) {
        var rng = SeededRandom(seed: seed)
        var catalogue: [Product] = []
        catalogue.reserveCapacity(products)
        for index in 0..<products {
            let category = Self.categories[Self.categoryChoice.pick(&rng)]
            // Log-normal around the category's median, σ = 0.8: most items cheap, a long tail of dear ones.
            let cents = category.medianCents * exp(0.8 * rng.normal())
            let price = max(99, min(Int64(cents), 2_000_000))
            // Shops price at .99 or .49 more often than not.
            let rounded = price < 1_000 ? price : (price / 100) * 100 + (rng.unit() < 0.7 ? 99 : 49)
            catalogue.append(Product(id: "p-\(100_000 + index)", category: category.name, unitPriceCents: rounded))
        }
        self.rng = rng
        self.catalogue = catalogue
        self.userIDs = (0..<users).map { "u-\(1_000_000 + $0)" }
    }

    /// The next purchase, stamped with `createdAt`.
    public mutating func next(createdAt: EventTime) -> PurchaseEvent {
        let id = PurchaseID(using: &rng)
        // Returning customers: u^2 piles the draws onto low user numbers (a quarter of 20,000 orders come
        // from users who bought before). A steeper skew would crowd a few Kafka partitions, since the key is
        // the user: u^3 put 2.3x the average into the busiest one.
        let u = rng.unit()
        let user = Int(u * u * Double(userIDs.count))
        // Popular products: the same skew over the catalogue.
        let p = rng.unit()
        let product = catalogue[Int(p * p * Double(catalogue.count))]
        let (country, currency) = Self.countries.pick(&rng)
        let q = rng.unit()
        let quantity: Int32 = q < 0.72 ? 1 : q < 0.9 ? 2 : q < 0.97 ? 3 : Int32(4 + rng.next() % 7)
        let unitPrice = Money(cents: product.unitPriceCents)
        return PurchaseEvent(
            purchaseID: id, userID: userIDs[user], productID: product.id, category: product.category,
            country: country, quantity: quantity, unitPrice: unitPrice,
            amount: Money(cents: product.unitPriceCents * Int64(quantity)), currency: currency,
            paymentMethod: Self.paymentMethods.pick(&rng), createdAt: createdAt)
    }

    /// A uniform draw in [0, 1) from the same seeded stream, for the caller's own choices (late, duplicate,
    /// invalid), so those too repeat with the seed.
    public mutating func unit() -> Double { rng.unit() }

    public mutating func next(below bound: UInt64) -> UInt64 { rng.next() % bound }
}
