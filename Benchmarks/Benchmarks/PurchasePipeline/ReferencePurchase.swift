import PurchaseEvents

/// The obvious Foundation way to read a purchase message: a `Codable` struct whose fields are the
/// message's, typed as they appear on the wire, for `JSONDecoder` and `JSONEncoder`.
///
/// It checks nothing but the JSON types (no UUID, code, amount or time validation), so its cost is a
/// floor for a Foundation-based decoder that would check what `PurchaseDecoder` checks: a generous
/// reference.
struct ReferencePurchase: Codable {
    var purchaseID: String
    var userID: String
    var productID: String
    var category: String
    var country: String
    var quantity: Int
    var unitPrice: String
    var amount: String
    var currency: String
    var paymentMethod: String
    var createdAt: String

    enum CodingKeys: String, CodingKey {
        case purchaseID = "purchase_id"
        case userID = "user_id"
        case productID = "product_id"
        case category, country,
            quantity
        case unitPrice = "unit_price"
        case amount, currency
        case paymentMethod = "payment_method"
        case
            createdAt = "created_at"
    }
}

extension ReferencePurchase {
    /// The event in wire form, as a generator built on `JSONEncoder` would prepare it.
    init(_ event: PurchaseEvent) {
        self.init(
            purchaseID: event.purchaseID.description, userID: event.userID, productID: event.productID,
            category: event.category, country: event.country, quantity: Int(event.quantity),
            unitPrice: event.unitPrice.description, amount: event.amount.description, currency: event.currency,
            paymentMethod: event.paymentMethod, createdAt: event.createdAt.description)
    }
}
