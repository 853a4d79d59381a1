import Testing

@testable import PurchaseEvents

@Suite struct PurchaseDecoderTests {
    let decoder = PurchaseDecoder()
    let now = EventTime("2026-11-24T20:00:00Z")!

    func sample() -> PurchaseEvent {
        PurchaseEvent(
            purchaseID: PurchaseID("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")!, userID: "u-1000042", productID: "p-100007",
            category: "books", country: "DE", quantity: 3, unitPrice: Money("12.99", exponent: 2)!,
            amount: Money("38.97", exponent: 2)!,
            currency: "EUR", paymentMethod: "card", createdAt: EventTime("2026-11-24T19:59:58.250Z")!)
    }

    func decode(_ text: String) throws(ValidationFailure) -> PurchaseEvent {
        var bytes = Array(text.utf8)
        return try decode(bytes: &bytes)
    }

    func decode(bytes: inout [UInt8]) throws(ValidationFailure) -> PurchaseEvent {
        let result: Result<PurchaseEvent, ValidationFailure> = bytes.withUnsafeBytes { raw in
            Result { () throws(ValidationFailure) in try decoder.decode(raw, now: now) }
        }
        return try result.get()
    }

    func reason(_ text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error.reason
        }
    }

    func json(replacing old: String, with new: String) -> String {
        String(decoding: sample().jsonBytes, as: UTF8.self).replacing(old, with: new)
    }

    @Test func decodesWhatTheGeneratorWrites() throws {
        var bytes = sample().jsonBytes
        #expect(try decode(bytes: &bytes) == sample())
    }

    @Test func decodesEveryGeneratedPurchase() throws {
        var simulator = PurchaseSimulator(seed: 1)
        for _ in 0..<2_000 {
            let event = simulator.next(createdAt: now)
            var bytes = event.jsonBytes
            #expect(try decode(bytes: &bytes) == event)
        }
    }

    @Test func ignoresUnknownFieldsAndWhitespace() throws {
        let text = json(replacing: "{", with: "{ \"coupon\" : {\"code\": [1, 2, {\"x\": null}]}, \"vip\": true ,\n")
        #expect(try decode(text) == sample())
    }

    @Test func decodesEscapes() throws {
        let text = json(replacing: "\"u-1000042\"", with: "\"u-\\u00e9\\ud83d\\ude00\\n\"")
        #expect(try decode(text).userID == "u-é😀\n")
    }

    /// Codes match byte for byte: an escaped ASCII code is the code, a look-alike is not (the Kelvin sign
    /// U+212A is canonically equivalent to `K` as a Swift `String`, but would be stored apart from `KE`).
    @Test func countryAndCurrencyCodesMatchByBytes() throws {
        #expect(try decode(json(replacing: "\"DE\"", with: "\"\\u0044E\"")).country == "DE")
        #expect(reason(json(replacing: "\"DE\"", with: "\"\\u212AE\""))?.contains("ISO 3166-1") == true)
        #expect(reason(json(replacing: "\"DE\"", with: "\"\u{212A}E\""))?.contains("ISO 3166-1") == true)
        #expect(reason(json(replacing: "\"EUR\"", with: "\"\u{212A}RW\""))?.contains("ISO 4217") == true)
    }

    @Test func givesReadableReasons() {
        #expect(reason("") == "empty message")
        #expect(reason("[1]") == "not a JSON object")
        #expect(reason("{\"purchase_id\": ")?.hasPrefix("invalid JSON") == true)
        #expect(reason(json(replacing: "\"country\":\"DE\",", with: "")) == "missing field country")
        #expect(
            reason(json(replacing: "\"quantity\":3", with: "\"quantity\":0"))?.contains("between 1 and 10000") == true)
        #expect(
            reason(json(replacing: "\"quantity\":3", with: "\"quantity\":-3"))?.contains("between 1 and 10000") == true)
        #expect(reason(json(replacing: "\"quantity\":3", with: "\"quantity\":3.5"))?.contains("whole number") == true)
        #expect(reason(json(replacing: "\"quantity\":3", with: "\"quantity\":\"3\"")) == "quantity must be a number")
        #expect(
            reason(json(replacing: "\"quantity\":3", with: "\"quantity\":123456789012345678901234567890"))?.contains(
                "whole number") == true)
        #expect(
            reason(json(replacing: "38.97", with: "38.98"))
                == "amount 38.98 is not quantity × unit_price (3 × 12.99 = 38.97)")
        #expect(
            reason(json(replacing: "\"38.97\"", with: "true"))
                == "amount must be a decimal string like \"12.50\" or a number like 12.5")
        #expect(reason(json(replacing: "\"DE\"", with: "\"XX\""))?.contains("ISO 3166-1") == true)
        #expect(reason(json(replacing: "\"EUR\"", with: "\"EUX\""))?.contains("ISO 4217") == true)
        #expect(
            reason(json(replacing: "2026-11-24T19:59:58.250Z", with: "1999-12-31T23:59:59Z"))?.contains("before")
                == true)
        #expect(
            reason(json(replacing: "2026-11-24T19:59:58.250Z", with: "2027-01-01T00:00:00Z"))?.contains("future")
                == true)
        #expect(reason(json(replacing: "2026-11-24T19:59:58.250Z", with: "tomorrow"))?.contains("RFC 3339") == true)
        #expect(reason(json(replacing: "\"card\"", with: "\"\"")) == "payment_method is empty")
        #expect(
            reason(json(replacing: "\"card\"", with: "\"ca\\u0000rd\"")) == "payment_method contains a NUL character")
        #expect(
            reason(json(replacing: "\"card\"", with: "\"\(String(repeating: "x", count: 65))\""))
                == "payment_method is longer than 64 bytes")
        #expect(reason(json(replacing: "\"card\"", with: "null")) == "payment_method must be a string")
        #expect(reason(json(replacing: "{", with: "{\"country\":\"FR\",")) == "field country appears more than once")
        #expect(reason(json(replacing: "6f1c2a3b-", with: "6f1c2a3b")) == "purchase_id is not a UUID")
        #expect(reason(json(replacing: "}", with: "}}"))?.contains("after the JSON object") == true)
        #expect(
            reason(String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100))?.contains(
                "nesting") == true)
    }

    /// What producers we did not write send: ids as JSON integers, money as JSON numbers, times as epoch
    /// milliseconds. Each must store exactly what the string form stores.
    @Test func acceptsTheFormsOtherProducersSend() throws {
        var expected = sample()
        expected.userID = "1000042"
        expected.productID = "7940"
        let ids = json(replacing: "\"u-1000042\"", with: "1000042").replacing("\"p-100007\"", with: "7940")
        #expect(try decode(ids) == expected)
        #expect(try decode(ids.replacing("7940", with: "\"7940\"")) == expected)
        #expect(try decode(json(replacing: "\"u-1000042\"", with: "-12")).userID == "-12")

        for (price, amount) in [("12.99", "38.97"), ("12.990", "38.970"), ("\"12.99\"", "38.97")] {
            let text = json(replacing: "\"12.99\"", with: price).replacing("\"38.97\"", with: amount)
            #expect(try decode(text) == sample(), "\(price), \(amount)")
        }
        var round = sample()
        round.unitPrice = Money("12.50", exponent: 2)!
        round.amount = Money("37.50", exponent: 2)!
        #expect(try decode(json(replacing: "\"12.99\"", with: "12.5").replacing("\"38.97\"", with: "37.5")) == round)
        round.unitPrice = Money("13.00", exponent: 2)!
        round.amount = Money("39.00", exponent: 2)!
        #expect(try decode(json(replacing: "\"12.99\"", with: "13").replacing("\"38.97\"", with: "39")) == round)
        // A decimal string with fewer places, or zeros beyond the currency's, is the same amount.
        #expect(try decode(json(replacing: "\"12.99\"", with: "\"12.990\"")) == sample())
        #expect(
            try decode(json(replacing: "\"12.99\"", with: "\"12.5\"").replacing("\"38.97\"", with: "\"37.5\""))
                == {
                    var r = sample()
                    r.unitPrice = Money("12.50", exponent: 2)!
                    r.amount = Money("37.50", exponent: 2)!
                    return r
                }())
        var free = sample()
        free.unitPrice = Money("0.00", exponent: 2)!
        free.amount = Money("0.00", exponent: 2)!
        #expect(try decode(json(replacing: "\"12.99\"", with: "0").replacing("\"38.97\"", with: "0.0")) == free)

        let millis = json(replacing: "\"2026-11-24T19:59:58.250Z\"", with: "1795550398250")
        #expect(try decode(millis) == sample())
    }

    /// Each currency's places, from ISO 4217, by one rule for strings and numbers: yen and won have none,
    /// dinars three; digits beyond them load only if they are zeros.
    @Test func amountsAreInTheirCurrencysMinorUnit() throws {
        func purchase(_ currency: String, _ price: String, _ amount: String) throws(ValidationFailure) -> PurchaseEvent
        {
            try decode(
                json(replacing: "\"12.99\"", with: price).replacing("\"38.97\"", with: amount)
                    .replacing("\"EUR\"", with: "\"\(currency)\""))
        }
        for (price, amount) in [("\"3500\"", "\"10500\""), ("\"3500.00\"", "\"10500.0\""), ("3500", "10500")] {
            let yen = try purchase("JPY", price, amount)
            #expect(yen.unitPrice == Money(minorUnits: 3500, exponent: 0) && yen.amount.description == "10500")
        }
        #expect(try purchase("KRW", "\"52400\"", "157200").amount == Money(minorUnits: 157_200, exponent: 0))
        #expect(try purchase("BHD", "\"1.234\"", "\"3.702\"").amount == Money(minorUnits: 3702, exponent: 3))
        #expect(try purchase("BHD", "1.2", "\"3.600\"").unitPrice.description == "1.200")
        #expect(try purchase("VND", "\"2500000000\"", "7500000000").unitPrice.description == "2500000000")

        func refused(_ currency: String, _ price: String, _ amount: String) -> String? {
            do {
                _ = try purchase(currency, price, amount)
                return nil
            } catch { return error.reason }
        }
        #expect(
            refused("JPY", "\"1500.50\"", "\"4501.50\"")
                == "unit_price \"1500.50\" has more decimal places than JPY, whose minor unit has 0 (ISO 4217)")
        #expect(refused("JPY", "1500", "4500.5")?.hasPrefix("amount 4500.5 has more decimal places than JPY") == true)
        #expect(
            refused("BHD", "\"1.2345\"", "\"3.7035\"")
                == "unit_price \"1.2345\" has more decimal places than BHD, whose minor unit has 3 (ISO 4217)")
        #expect(refused("JPY", "100000001", "300000003") == "unit_price 100000001 is above the cap for JPY, 100000000")
        #expect(refused("EUX", "12.99", "38.97")?.contains("ISO 4217") == true)
    }

    /// The new forms are exact or refused: no rounding, no exponent, no sign, no float special values.
    @Test func refusesWhatCannotBeExact() {
        func priced(_ price: String, _ amount: String = "\"38.97\"") -> String? {
            reason(json(replacing: "\"12.99\"", with: price).replacing("\"38.97\"", with: amount))
        }
        #expect(
            priced("12.995")
                == "unit_price 12.995 has more decimal places than EUR, whose minor unit has 2 (ISO 4217)")
        #expect(priced("\"12.995\"")?.hasPrefix("unit_price \"12.995\" has more decimal places than EUR") == true)
        #expect(priced("1299e-2")?.hasPrefix("unit_price 1299e-2 is not a decimal amount") == true)
        #expect(priced("1.299E1")?.hasPrefix("unit_price 1.299E1 is not a decimal amount") == true)
        #expect(priced("-12.99")?.hasPrefix("unit_price -12.99 is not a decimal amount") == true)
        #expect(priced("-0")?.hasPrefix("unit_price -0 is not a decimal amount") == true)
        #expect(priced("\" 12.99\"")?.hasPrefix("unit_price \" 12.99\" is not a decimal amount") == true)
        #expect(
            priced("12.99", "1000000000000000.00")?.hasPrefix("amount 1000000000000000.00 is not a decimal amount")
                == true)
        #expect(priced("2000000", "6000000") == "unit_price 2000000.00 is above the cap for EUR, 1000000.00")
        #expect(priced("12.99", "38.96") == "amount 38.96 is not quantity × unit_price (3 × 12.99 = 38.97)")
        #expect(priced("NaN")?.hasPrefix("invalid JSON") == true)
        #expect(priced("Infinity")?.hasPrefix("invalid JSON") == true)

        #expect(
            reason(json(replacing: "\"u-1000042\"", with: "1000042.5"))
                == "user_id 1000042.5 is a number but not a whole one")
        #expect(
            reason(json(replacing: "\"p-100007\"", with: "1e3")) == "product_id 1e3 is a number but not a whole one")
        #expect(
            reason(json(replacing: "\"p-100007\"", with: String(repeating: "9", count: 65)))
                == "product_id is longer than 64 bytes")
        #expect(
            reason(json(replacing: "\"u-1000042\"", with: "true")) == "user_id must be a string or a whole number")

        func timed(_ time: String) -> String? {
            reason(json(replacing: "\"2026-11-24T19:59:58.250Z\"", with: time))
        }
        #expect(timed("1795550398250.5") == "created_at 1795550398250.5 is not a whole number of epoch milliseconds")
        #expect(timed("1.764014398250e12")?.contains("is not a whole number of epoch milliseconds") == true)
        #expect(timed("-1") == "created_at -1 is not epoch milliseconds between 1970 and 9999")
        #expect(
            timed("999999999999999") == "created_at 999999999999999 is not epoch milliseconds between 1970 and 9999")
        #expect(timed("1764014398") == "created_at 1970-01-21T10:00:14.398Z is before 2000-01-01T00:00:00.000Z")
        #expect(timed("1893456000000")?.contains("is in the future") == true)
        #expect(timed("true") == "created_at must be an RFC 3339 string or an integer of epoch milliseconds")
    }

    @Test func rejectsInvalidUTF8AndNullValues() throws {
        var bytes = Array(json(replacing: "books", with: "bo#ks").utf8)
        bytes[bytes.firstIndex(of: UInt8(ascii: "#"))!] = 0xFF
        let error = #expect(throws: ValidationFailure.self) { try decode(bytes: &bytes) }
        #expect(error?.reason.hasSuffix("invalid UTF-8 in a string") == true)
        #expect(throws: ValidationFailure(.notJSON, "null message value")) { try decoder.decode(nil, now: now) }
    }

    /// The hostile catalogue is the validation policy as data: every kind must meet the outcome it declares,
    /// with a reason a person can read, and the kinds that load must load the very purchase they came from.
    @Test(arguments: HostileMessage.allCases)
    func hostileMessageMeetsItsDeclaredOutcome(_ kind: HostileMessage) throws {
        // In euros, in yen (no places, a price ending in zeros) and in dinars (three places).
        var yen = sample()
        (yen.currency, yen.unitPrice, yen.amount) = ("JPY", Money("3500", exponent: 0)!, Money("10500", exponent: 0)!)
        var dinars = sample()
        (dinars.currency, dinars.unitPrice, dinars.amount) = (
            "BHD", Money("1.23", exponent: 3)!, Money("3.69", exponent: 3)!
        )
        for purchase in [sample(), yen, dinars] { try meetsItsDeclaredOutcome(kind, purchase) }
    }

    func meetsItsDeclaredOutcome(_ kind: HostileMessage, _ purchase: PurchaseEvent) throws {
        let message = kind.make(from: purchase.jsonBytes, key: Array(purchase.userID.utf8), purchase: purchase)
        let result: Result<PurchaseEvent, ValidationFailure> =
            if let value = message.value {
                value.withUnsafeBytes { raw in
                    Result { () throws(ValidationFailure) in try decoder.decode(raw, now: now) }
                }
            } else {
                Result { () throws(ValidationFailure) in try decoder.decode(nil, now: now) }
            }
        switch result {
        case .success(let decoded):
            #expect(kind.loads, "\(kind) in \(purchase.currency) loaded but must be dead-lettered")
            #expect(decoded == kind.stored(from: purchase))
        case .failure(let failure):
            #expect(!kind.loads, "\(kind) in \(purchase.currency) was rejected: \(failure.reason)")
            #expect(failure.reason.count >= 10 && failure.reason.count <= 200, "\(kind): \(failure.reason)")
        }
        #expect((message.key == nil) == (kind == .nullKey))
    }

    /// The kind is what metrics and dashboards count by, so each problem must land in its own kind, not in
    /// whichever the decoder happened to check first.
    @Test(arguments: [
        (HostileMessage.truncatedJSON, ValidationFailure.Kind.notJSON), (.nullValue, .notJSON),
        (.missingField, .missingField), (.duplicatedField, .duplicateField), (.quantityAsString, .wrongType),
        (.zeroQuantity, .badQuantity), (.moneyBeyondMinorUnit, .badMoney), (.unitPriceAboveCap, .badMoney),
        (.amountNotQuantityTimesPrice, .amountMismatch), (.createdAtFarFuture, .badTime), (.idTooLong, .badText),
    ])
    func failureHasItsKind(_ hostile: HostileMessage, _ expected: ValidationFailure.Kind) throws {
        let purchase = sample()
        let message = hostile.make(from: purchase.jsonBytes, key: Array(purchase.userID.utf8), purchase: purchase)
        let failure: ValidationFailure? =
            if let value = message.value {
                value.withUnsafeBytes { raw in
                    #expect(throws: ValidationFailure.self) { try decoder.decode(raw, now: now) }
                }
            } else {
                #expect(throws: ValidationFailure.self) { try decoder.decode(nil, now: now) }
            }
        #expect(failure?.kind == expected, "\(hostile): \(failure?.reason ?? "loaded")")
    }
}
