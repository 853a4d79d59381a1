/// A validated purchase as the loader stores it: numbers parsed, text fields left where they stand in the
/// message.
///
/// Building a `String` for each of the six text fields (and hashing two of them for the code checks) was
/// about a fifth of the loader's instructions per message in a callgrind profile; the loader only copies
/// those bytes into the COPY buffer, so it never needs the `String`s. Text borrowed from the message
/// (`JSONText.raw`) is valid only while the message is: use a value inside the poll callback that produced
/// it, or turn it into a `PurchaseEvent` (`event`), which owns its text.
struct BorrowedPurchase {
    var purchaseID: PurchaseID
    var userID: JSONText
    var productID: JSONText
    var category: JSONText
    var country: JSONText
    var quantity: Int32
    var unitPrice: Money
    var amount: Money
    var currency: JSONText
    var paymentMethod: JSONText
    var createdAt: EventTime

    /// The purchase with its own copies of the text.
    var event: PurchaseEvent {
        PurchaseEvent(
            purchaseID: purchaseID, userID: userID.string, productID: productID.string, category: category.string,
            country: country.string, quantity: quantity, unitPrice: unitPrice, amount: amount,
            currency: currency.string, paymentMethod: paymentMethod.string, createdAt: createdAt)
    }
}

extension BorrowedPurchase {
    /// An owned event seen as a borrowed one (its text is `JSONText.decoded`), for code that writes events
    /// it built itself, like the tests' direct loader.
    init(_ event: PurchaseEvent) {
        self.init(
            purchaseID: event.purchaseID, userID: .decoded(event.userID), productID: .decoded(event.productID),
            category: .decoded(event.category), country: .decoded(event.country), quantity: event.quantity,
            unitPrice: event.unitPrice, amount: event.amount, currency: .decoded(event.currency),
            paymentMethod: .decoded(event.paymentMethod), createdAt: event.createdAt)
    }
}
