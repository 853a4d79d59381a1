/// Deliberately broken messages, one kind per flaw the loader's validation must catch.
enum InvalidMessage {
    static func make(from valid: [UInt8], purchase: PurchaseEvent, kind: Int) -> [UInt8] {
        var event = purchase
        switch kind % 8 {
        case 0: return Array(valid.prefix(valid.count / 2))  // truncated JSON
        case 1:
            event.quantity = 0
            event.amount = Money(cents: 0)
        case 2: event.amount = Money(cents: purchase.amount.cents + 1)  // not quantity × unit_price
        case 3: event.country = "XX"
        case 4: event.currency = "ABC"
        case 5:
            return Array(String(decoding: valid, as: UTF8.self).replacing("\"created_at\":\"", with: "\"created_at\":\"yesterday ").utf8)
        case 6:
            return Array(String(decoding: valid, as: UTF8.self).replacing("\"country\":", with: "\"countryCode\":").utf8)
        default: return []  // empty value
        }
        return event.jsonBytes
    }
}
