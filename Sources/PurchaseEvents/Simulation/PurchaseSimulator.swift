#if canImport(Glibc)
    import Glibc
#endif

/// Simulates a shop's purchases: skewed country and category mixes, a catalogue with log-normal prices in
/// each country's currency, small quantities, and returning customers (a few users buy a lot).
///
/// Deterministic: the same seed gives the same sequence of purchases (ids, users, products, amounts).
/// Event times come from the clock the caller passes, so a fixed start time reproduces events byte for byte.
public struct PurchaseSimulator: Sendable {
    private var rng: SeededRandom
    private let catalogue: [Product]
    /// Every product's unit price in every currency of `currencies`, in its minor unit:
    /// `prices[product * currencies.count + currency]`.
    private let prices: [Int64]
    /// The currencies prices are in: the countries' own, then `foreignCurrencies` not among them.
    private let currencies: [String]
    /// Each currency's ISO 4217 minor unit, by index into `currencies`.
    private let exponents: [Int]
    /// Each country's own currency, an index into `currencies`.
    private let currencyOfCountry: [Int]
    /// Share of purchases paid in another currency than the country's (`foreignCurrencies`).
    private let foreignCurrencyFraction: Double
    /// How many distinct customers buy; customer `i` has the id `u-(1000000 + i)`.
    private let users: Int
    /// Every string field's possible values, JSON-encoded once, for `encodeJSON`.
    private let encoded: EncodedFields
    /// Event times of consecutive draws mostly share their second; see `TimeTextCache`.
    private var timeText = TimeTextCache()

    struct Product: Sendable {
        let id: String
        /// Index into `categories`.
        let category: Int
    }

    struct EncodedFields: Sendable {
        let products: EncodedStrings
        let categories: EncodedStrings
        let countries: EncodedStrings
        let currencies: EncodedStrings
        let paymentMethods: EncodedStrings
    }

    /// Rough shares of an international web shop's orders.
    static let countries = WeightedChoice<(String, String)>([
        (("US", "USD"), 28), (("GB", "GBP"), 11), (("DE", "EUR"), 10), (("FR", "EUR"), 7), (("CA", "CAD"), 5),
        (("JP", "JPY"), 5), (("AU", "AUD"), 4), (("NL", "EUR"), 4), (("ES", "EUR"), 3.5), (("IT", "EUR"), 3.5),
        (("SE", "SEK"), 2), (("BR", "BRL"), 2.5), (("IN", "INR"), 3), (("MX", "MXN"), 2), (("PL", "PLN"), 1.5),
        (("CH", "CHF"), 1.5), (("IE", "EUR"), 1), (("NO", "NOK"), 1), (("DK", "DKK"), 1), (("SG", "SGD"), 1),
        (("KR", "KRW"), 1.5), (("ZA", "ZAR"), 0.8), (("NZ", "NZD"), 0.7), (("BE", "EUR"), 1.2), (("AT", "EUR"), 1),
        (("BH", "BHD"), 0.3), (("OM", "OMR"), 0.2), (("JO", "JOD"), 0.2),
    ])

    /// What a customer pays in when not in their country's currency: a card billed in dollars, euros or pounds.
    static let foreignCurrencies = ["USD", "EUR", "GBP"]

    /// The currencies the simulator prices in, each needing a rate in the `ReferenceRates` it is given.
    public static var currencyCodes: [String] {
        var codes: [String] = []
        for code in countries.elements.map(\.1) + foreignCurrencies where !codes.contains(code) { codes.append(code) }
        return codes
    }

    /// Categories with their share of orders and the median unit price of their products, in US cents.
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

    /// - Parameters:
    ///   - rates: how many units of each of `currencyCodes` a dollar buys (checked: a missing one stops).
    ///   - foreignCurrencyFraction: share of purchases paid in one of `foreignCurrencies` other than the
    ///     country's own.
    public init(
        seed: UInt64, products: Int = 5_000, users: Int = 50_000, rates: ReferenceRates,
        foreignCurrencyFraction: Double = 0
    ) {
        let currencies = Self.currencyCodes
        let missing = currencies.filter { rates.unitsPerDollar[$0] == nil }
        precondition(missing.isEmpty, "PurchaseSimulator: no reference rate for \(missing.joined(separator: ", "))")
        var rng = SeededRandom(seed: seed)
        var catalogue: [Product] = []
        var prices: [Int64] = []
        catalogue.reserveCapacity(products)
        prices.reserveCapacity(products * currencies.count)
        let exponents = currencies.map { ReferenceData.minorUnit(of: $0)! }
        for index in 0..<products {
            let categoryIndex = Self.categoryChoice.pick(&rng)
            let category = Self.categories[categoryIndex]
            // Log-normal around the category's median, σ = 0.8: most items cheap, a long tail of dear ones.
            let cents = max(99, min(category.medianCents * exp(0.8 * rng.normal()), 2_000_000))
            // Shops price at .99 or .49 more often than not.
            let ending: PriceEnding = rng.unit() < 0.7 ? .ninetyNine : .fortyNine
            for (k, currency) in currencies.enumerated() {
                let units = cents / 100 * rates.unitsPerDollar[currency]!
                prices.append(Self.shopPrice(units, exponent: exponents[k], ending: ending))
            }
            catalogue.append(Product(id: "p-\(100_000 + index)", category: categoryIndex))
        }
        self.rng = rng
        self.catalogue = catalogue
        self.prices = prices
        self.currencies = currencies
        self.exponents = exponents
        self.currencyOfCountry = Self.countries.elements.map { currencies.firstIndex(of: $0.1)! }
        self.foreignCurrencyFraction = foreignCurrencyFraction
        self.users = users
        self.encoded = EncodedFields(
            products: EncodedStrings(catalogue.map(\.id)),
            categories: EncodedStrings(Self.categories.map(\.name)),
            countries: EncodedStrings(Self.countries.elements.map(\.0)),
            currencies: EncodedStrings(currencies),
            paymentMethods: EncodedStrings(Self.paymentMethods.elements))
    }

    enum PriceEnding { case ninetyNine, fortyNine }

    /// `units` of a currency as a shop would price it, in minor units: below a thousand units of a currency
    /// with places, whole units and .99 or .49 (.990 or .490 with three places); otherwise rounded up to
    /// three significant digits (5,846 yen is 5,850, 52,345 won 52,400).
    static func shopPrice(_ units: Double, exponent: Int, ending: PriceEnding) -> Int64 {
        var perUnit: Int64 = 1
        for _ in 0..<exponent { perUnit *= 10 }
        if exponent >= 2, units < 1_000 {
            guard units >= 10 else { return max(1, Int64((units * Double(perUnit)).rounded())) }
            let hundredth = perUnit / 100
            let tail = ending == .ninetyNine ? perUnit - hundredth : perUnit / 2 - hundredth
            return Int64(units) * perUnit + tail
        }
        let minor = units * Double(perUnit)
        var step: Int64 = 1
        while Double(step) * 1_000 <= minor { step *= 10 }
        return max(step, Int64((minor / Double(step)).rounded(.up)) * step)
    }

    /// The next purchase, stamped with `createdAt`.
    public mutating func next(createdAt: EventTime) -> PurchaseEvent { event(nextDraw(createdAt: createdAt)) }

    /// The next purchase as table positions (what `next(createdAt:)` returns, without its strings).
    public mutating func nextDraw(createdAt: EventTime) -> SimulatedPurchase {
        let id = PurchaseID(using: &rng)
        // Returning customers: u^2 piles the draws onto low user numbers (a quarter of 20,000 orders come
        // from users who bought before). A steeper skew would crowd a few Kafka partitions, since the key is
        // the user: u^3 put 2.3x the average into the busiest one.
        let u = rng.unit()
        let user = Int(u * u * Double(users))
        // Popular products: the same skew over the catalogue.
        let p = rng.unit()
        let product = Int(p * p * Double(catalogue.count))
        let country = Self.countries.pickIndex(&rng)
        var currency = currencyOfCountry[country]
        if foreignCurrencyFraction > 0, rng.unit() < foreignCurrencyFraction {
            // One of the foreign currencies other than the country's own, each as likely.
            let others = Self.foreignCurrencies.filter { $0 != currencies[currency] }
            currency = currencies.firstIndex(of: others[Int(rng.next() % UInt64(others.count))])!
        }
        let q = rng.unit()
        let quantity: Int32 = q < 0.72 ? 1 : q < 0.9 ? 2 : q < 0.97 ? 3 : Int32(4 + rng.next() % 7)
        return SimulatedPurchase(
            purchaseID: id, user: user, product: product, country: country, currency: currency, quantity: quantity,
            unitPrice: Money(minorUnits: prices[product * currencies.count + currency], exponent: exponents[currency]),
            paymentMethod: Self.paymentMethods.pickIndex(&rng), createdAt: createdAt)
    }

    /// The purchase a draw stands for.
    public func event(_ draw: SimulatedPurchase) -> PurchaseEvent {
        let product = catalogue[draw.product]
        let country = Self.countries.elements[draw.country].0
        let currency = currencies[draw.currency]
        return PurchaseEvent(
            purchaseID: draw.purchaseID, userID: "u-\(Self.firstUserNumber + draw.user)", productID: product.id,
            category: Self.categories[product.category].name, country: country, quantity: draw.quantity,
            unitPrice: draw.unitPrice, amount: draw.amount, currency: currency,
            paymentMethod: Self.paymentMethods.elements[draw.paymentMethod], createdAt: draw.createdAt)
    }

    /// At least the length of any draw's JSON: the size of the buffer `encodeJSON` needs.
    public var maximumJSONBytes: Int {
        PurchaseEvent.jsonFixedBound + Self.userIDBound + encoded.products.maximumCount
            + encoded.categories.maximumCount + encoded.countries.maximumCount + encoded.currencies.maximumCount
            + encoded.paymentMethods.maximumCount
    }

    /// Writes the draw's JSON, byte for byte what `event(draw).jsonBytes` holds, at the start of `buffer`
    /// and returns its length. `buffer` must hold `maximumJSONBytes` (checked).
    ///
    /// The strings come pre-encoded from the simulator's tables (`EncodedStrings`), so this copies bytes
    /// instead of scanning seven `String`s for characters to escape; field order follows
    /// `PurchaseEvent.encodeJSON(to:)`, and a test compares the two.
    public mutating func encodeJSON(_ draw: SimulatedPurchase, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(buffer.count >= maximumJSONBytes, "encodeJSON: the buffer is smaller than maximumJSONBytes")
        var out = JSONByteWriter(buffer)
        out.literal(#"{"purchase_id":""#)
        out.uuid(draw.purchaseID)
        out.literal(#"","user_id":""#)
        Self.writeUserID(draw.user, to: &out)
        out.literal(#"","product_id":""#)
        encoded.products.write(draw.product, to: &out)
        out.literal(#"","category":""#)
        encoded.categories.write(catalogue[draw.product].category, to: &out)
        out.literal(#"","country":""#)
        encoded.countries.write(draw.country, to: &out)
        out.literal(#"","quantity":"#)
        out.integer(Int64(draw.quantity))
        out.literal(#","unit_price":""#)
        out.money(draw.unitPrice)
        out.literal(#"","amount":""#)
        out.money(draw.amount)
        out.literal(#"","currency":""#)
        encoded.currencies.write(draw.currency, to: &out)
        out.literal(#"","payment_method":""#)
        encoded.paymentMethods.write(draw.paymentMethod, to: &out)
        out.literal(#"","created_at":""#)
        out.time(draw.createdAt, cache: &timeText)
        out.literal(#""}"#)
        return out.count
    }

    /// User ids are `u-` and a number from 1,000,000 up (the same width for the first 9,000,000 users).
    static let firstUserNumber = 1_000_000
    /// At most this many bytes of user id: `u-` and up to 20 digits.
    public static let userIDBound = 22

    /// Writes user `index`'s id, `u-1000123` (at most `userIDBound` bytes; plain ASCII, so the JSON form and
    /// the key's UTF-8 are the same bytes).
    static func writeUserID(_ index: Int, to out: inout JSONByteWriter) {
        out.literal("u-")
        out.unsigned(UInt64(firstUserNumber + index), width: 1)
    }

    /// Writes the draw's Kafka key, the user id's UTF-8, at the start of `buffer` and returns its length;
    /// `buffer` must hold `userIDBound` bytes (checked).
    public func encodeKey(_ draw: SimulatedPurchase, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(buffer.count >= Self.userIDBound, "encodeKey: the buffer is smaller than userIDBound")
        var out = JSONByteWriter(buffer)
        Self.writeUserID(draw.user, to: &out)
        return out.count
    }

    /// A uniform draw in [0, 1) from the same seeded stream, for the caller's own choices (late, duplicate,
    /// invalid), so those too repeat with the seed.
    public mutating func unit() -> Double { rng.unit() }

    public mutating func next(below bound: UInt64) -> UInt64 { rng.next() % bound }
}
