/// One purchase as `PurchaseSimulator` drew it: positions in the simulator's tables instead of `String`s.
///
/// The generator writes its JSON from bytes the simulator encoded once (`PurchaseSimulator.encodeJSON`),
/// so the hot loop neither builds nor retains and releases seven strings per event;
/// `PurchaseSimulator.event(_:)` turns it into the equivalent `PurchaseEvent` where one is needed (hostile
/// messages, tests).
public struct SimulatedPurchase: Sendable {
    public var purchaseID: PurchaseID
    /// Index into the simulator's user ids.
    var user: Int
    /// Index into the simulator's catalogue.
    var product: Int
    /// Index into `PurchaseSimulator.countries`.
    var country: Int
    /// Index into the simulator's currencies (`PurchaseSimulator.currencyCodes`): the country's own, or a
    /// foreign one.
    var currency: Int
    public var quantity: Int32
    public var unitPrice: Money
    /// Index into `PurchaseSimulator.paymentMethods`.
    var paymentMethod: Int
    public var createdAt: EventTime

    /// `quantity × unitPrice`, exactly (a simulated price times at most 10 fits many times over).
    public var amount: Money { unitPrice.times(Int64(quantity))! }

    /// The currency's position in `PurchaseSimulator.currencyCodes`.
    public var currencyIndex: Int { currency }
}
