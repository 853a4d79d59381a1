/// Why a message is not a valid purchase: `reason` is the text stored in the dead letter, for a person to
/// read; `kind` is one of a fixed few, for counting (a metric label, a dashboard's grouping), since reasons
/// quote the offending values and so take unbounded values.
public struct ValidationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong, coarsely. The raw values are stored in `dead_letters.reason_kind` and used as the
    /// `reason` label of `loader_dead_letters_total`: renaming one breaks dashboards and alerts.
    public enum Kind: String, CaseIterable, Sendable {
        /// Null, empty, not a JSON object, or not valid JSON.
        case notJSON = "not_json"
        case missingField = "missing_field"
        case duplicateField = "duplicate_field"
        /// A field of the wrong JSON type (a number where text is expected, a fraction for an id, ...).
        case wrongType = "wrong_type"
        /// A text field empty, longer than 64 bytes, or holding a NUL.
        case badText = "bad_text"
        case badPurchaseID = "purchase_id"
        case badQuantity = "quantity"
        /// A price or amount that is not exact money, or beyond the limit.
        case badMoney = "money"
        case amountMismatch = "amount_mismatch"
        case unknownCountry = "country"
        case unknownCurrency = "currency"
        /// An event time that does not parse, or lies before the earliest or in the future.
        case badTime = "created_at"
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}
