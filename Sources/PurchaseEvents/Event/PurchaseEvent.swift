/// One purchase, as the generator produces it and the loader stores it.
///
/// Invariants (checked by `PurchaseEvent.decode`): `quantity ≥ 1`, `amount = quantity × unit_price` exactly,
/// `country` is an ISO 3166-1 alpha-2 code, `currency` an ISO 4217 code, `createdAt` is the event time (not
/// the time it was sent or loaded). A purchase is identified by `purchaseID`; a re-sent purchase carries the
/// same id and the same event time, and counts once in the summary.
public struct PurchaseEvent: Hashable, Sendable {
    public var purchaseID: PurchaseID
    public var userID: String
    public var productID: String
    public var category: String
    public var country: String
    public var quantity: Int32
    public var unitPrice: Money
    public var amount: Money
    public var currency: String
    public var paymentMethod: String
    public var createdAt: EventTime

    public init(
        purchaseID: PurchaseID, userID: String, productID: String, category: String, country: String,
        quantity: Int32, unitPrice: Money, amount: Money, currency: String, paymentMethod: String,
        createdAt: EventTime
    ) {
        self.purchaseID = purchaseID
        self.userID = userID
        self.productID = productID
        self.category = category
        self.country = country
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.currency = currency
        self.paymentMethod = paymentMethod
        self.createdAt = createdAt
    }
}
