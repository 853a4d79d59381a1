import PurchaseEvents

/// What the generator sent, as its summary line and `--summary-file` report it.
struct GeneratorSummary: Sendable, Equatable {
    var messages = 0
    var bytes = 0
    /// Distinct valid purchases delivered (duplicates and invalid messages not counted).
    var validPurchases = 0
    var validItems = 0
    /// The valid purchases' amounts per currency (never added across currencies).
    var validAmounts: [String: Money] = [:]
    var lateEvents = 0
    var duplicates = 0
    /// Messages the loader must dead-letter (invalid ones and the hostile ones that do not load).
    var invalid = 0
    /// Hostile messages sent, whatever their outcome.
    var hostile = 0
    var delivered = 0
    var failed = 0
    var seconds = 0.0

    init() {}

    /// `"EUR":"1234.50","JPY":"35000"`, sorted by currency.
    private var amountsJSON: String {
        validAmounts.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
    }

    /// A small JSON object for scripts (the demo's totals check).
    var json: String {
        """
        {"messages":\(messages),"bytes":\(bytes),"valid_purchases":\(validPurchases),"valid_items":\(validItems),\
        "valid_amounts":{\(amountsJSON)},"late_events":\(lateEvents),"duplicates":\(duplicates),"invalid":\(invalid),"hostile":\(hostile),\
        "delivered":\(delivered),"failed":\(failed),"seconds":\(seconds)}
        """
    }
}
