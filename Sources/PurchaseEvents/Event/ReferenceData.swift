/// The code lists validation checks against, kept in code so the loader needs no lookup table at run time.
public enum ReferenceData {
    /// ISO 3166-1 alpha-2, all officially assigned codes.
    public static let countries: Set<String> = Set(
        """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
        BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM
        FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
        JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN
        MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT
        PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL
        TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
        """.split(whereSeparator: \.isWhitespace).map(String.init))

    /// ISO 4217 active currency codes.
    public static let currencies: Set<String> = Set(
        """
        AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
        CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
        HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
        MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
        PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
        TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
        """.split(whereSeparator: \.isWhitespace).map(String.init))
}

extension ReferenceData {
    /// ISO 4217 minor units other than 2: the currencies without one, and those with three places.
    public static let currenciesWithoutMinorUnit: Set<String> = Set(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(separator: " ").map(String.init))
    public static let currenciesWithThreePlaces: Set<String> = Set(
        "BHD IQD JOD KWD LYD OMR TND".split(separator: " ").map(String.init))

    /// How many tens of units a US dollar buys, roughly (`k` where one dollar buys 10^k to 10^(k+1) units;
    /// currencies not listed buy fewer than 10 per dollar). It scales the unit price cap so that the cap is
    /// one to ten million dollars in every currency: the cap catches garbage, it does not price anything,
    /// so an order of magnitude is all it needs and a currency's drift within one changes nothing.
    public static let unitsPerDollarPowerOfTen: [Int: String] = [
        1: """
        AFN ALL BTN BWP CZK DOP EGP ERN GHS GMD HNL INR KGS LSL MAD MDL MKD MRU MUR MVR MXN MZN NAD NIO \
        NOK PHP RUB SCR SEK SLE SRD SZL THB TJS TRY TWD UAH UYU VES ZAR ZMW
        """,
        2: """
        AMD AOA BDT CLP CRC CVE DJF DZD ETB GYD HTG HUF ISK JMD JPY KES KMF KPW KZT LKR LRD NPR PKR RSD \
        SDG SOS VUV XAF XOF XPF YER
        """,
        3: "ARS BIF CDF COP GNF IQD KHR KRW MGA MMK MNT MWK NGN PYG RWF SSP TZS UGX",
        4: "IDR IRR LAK LBP SLL SYP UZS VND ZWL",
    ]

    /// A unit price may be at most a million units (10^6) of its currency, times 10^k for a currency of which
    /// a dollar buys 10^k or more (`unitsPerDollarPowerOfTen`).
    public static let unitPriceCapUnits: Int64 = 1_000_000

    /// The ISO 4217 minor unit of `code` (its places), nil for a code that is not a currency.
    public static func minorUnit(of code: String) -> Int? {
        var copy = code
        return copy.withUTF8 { letterCodeIndex(UnsafeRawBufferPointer($0), length: 3) }
            .flatMap { CurrencyRule(currencyTable[$0]).map { Int($0.exponent) } }
    }

    /// The largest unit price in `code`, nil for a code that is not a currency.
    public static func unitPriceCap(of code: String) -> Money? {
        var copy = code
        return copy.withUTF8 { letterCodeIndex(UnsafeRawBufferPointer($0), length: 3) }.flatMap {
            CurrencyRule(currencyTable[$0]).map { Money(minorUnits: $0.unitPriceCap, exponent: Int($0.exponent)) }
        }
    }

    /// Whether `text` is in `countries`, compared byte for byte. The loader checks every message, and
    /// hashing a `String` built for the purpose cost more than the rest of the check, so the code's letters
    /// index a table of all 26 × 26 pairs. Bytes, not `String` equality: Swift's `==` is Unicode canonical
    /// equivalence, under which the Kelvin sign (U+212A) equals `K`, so `"\u212AE"` would pass as Kenya and
    /// then be stored, and summed, apart from `KE`.
    static func isCountry(_ text: JSONText) -> Bool {
        text.withBytes { letterCodeIndex($0, length: 2).map { countryTable[$0] } ?? false }
    }

    /// What the loader needs to know of a currency, looked up by its letters as `isCountry` looks up a country.
    struct CurrencyRule {
        /// The ISO 4217 minor unit.
        let exponent: Int8
        /// The largest unit price, in minor units.
        let unitPriceCap: Int64

        /// A table entry: 0 for no currency, else 0x80 | places | k << 2 (the cap's `unitsPerDollarPowerOfTen`).
        /// One byte, so that the table the loader reads for every message stays small (17 KiB, where entries
        /// of this struct would take 281 KiB).
        init?(_ entry: UInt8) {
            guard entry != 0 else { return nil }
            exponent = Int8(entry & 3)
            unitPriceCap = Self.powersOfTen[6 + Int(entry & 3) + Int(entry >> 2 & 7)]
        }

        static func entry(exponent: Int, power: Int) -> UInt8 { 0x80 | UInt8(exponent) | UInt8(power) << 2 }

        private static let powersOfTen: [Int64] = (0...18).map { n in (0..<n).reduce(Int64(1)) { p, _ in p * 10 } }
    }

    /// The rule for `text`, nil when it is not in `currencies`.
    static func currencyRule(_ text: JSONText) -> CurrencyRule? {
        text.withBytes { letterCodeIndex($0, length: 3).flatMap { CurrencyRule(currencyTable[$0]) } }
    }

    /// Every entry of `countries` is 2 ASCII capital letters; for ASCII text, equal as `String`s means
    /// equal bytes, so this table says exactly what the set says (and `currencyTable` what `currencies` says).
    private static let countryTable: [Bool] = {
        var table = [Bool](repeating: false, count: 26 * 26)
        for code in countries { table[index(code, length: 2)] = true }
        return table
    }()

    private static let currencyTable: [UInt8] = {
        var powers: [String: Int] = [:]
        for (power, codes) in unitsPerDollarPowerOfTen {
            for code in codes.split(whereSeparator: \.isWhitespace) { powers[String(code)] = power }
        }
        var table = [UInt8](repeating: 0, count: 26 * 26 * 26)
        for code in currencies {
            let exponent =
                currenciesWithoutMinorUnit.contains(code) ? 0 : currenciesWithThreePlaces.contains(code) ? 3 : 2
            table[index(code, length: 3)] = CurrencyRule.entry(exponent: exponent, power: powers[code, default: 0])
        }
        return table
    }()

    private static func index(_ code: String, length: Int) -> Int {
        Array(code.utf8).withUnsafeBytes { letterCodeIndex($0, length: length) }!
    }

    /// `bytes` read as a base-26 number if it is `length` capital letters A-Z; nil otherwise.
    private static func letterCodeIndex(_ bytes: UnsafeRawBufferPointer, length: Int) -> Int? {
        guard bytes.count == length else { return nil }
        var index = 0
        for b in bytes {
            guard b >= UInt8(ascii: "A"), b <= UInt8(ascii: "Z") else { return nil }
            index = index * 26 + Int(b - UInt8(ascii: "A"))
        }
        return index
    }
}
