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
    /// Whether `text` is in `countries`, compared byte for byte. The loader checks every message, and
    /// hashing a `String` built for the purpose cost more than the rest of the check, so the code's letters
    /// index a table of all 26 × 26 pairs. Bytes, not `String` equality: Swift's `==` is Unicode canonical
    /// equivalence, under which the Kelvin sign (U+212A) equals `K`, so `"\u212AE"` would pass as Kenya and
    /// then be stored, and summed, apart from `KE`.
    static func isCountry(_ text: JSONText) -> Bool {
        text.withBytes { letterCodeIndex($0, length: 2).map { countryTable[$0] } ?? false }
    }

    /// Whether `text` is in `currencies`; see `isCountry`.
    static func isCurrency(_ text: JSONText) -> Bool {
        text.withBytes { letterCodeIndex($0, length: 3).map { currencyTable[$0] } ?? false }
    }

    /// Every entry of both sets is `length` ASCII capital letters; for ASCII text, equal as `String`s means
    /// equal bytes, so these tables say exactly what the sets say.
    private static let countryTable = table(countries, length: 2)
    private static let currencyTable = table(currencies, length: 3)

    private static func table(_ codes: Set<String>, length: Int) -> [Bool] {
        var table = [Bool](repeating: false, count: Int(pow26(length)))
        for code in codes {
            let index = Array(code.utf8).withUnsafeBytes { letterCodeIndex($0, length: length) }
            table[index!] = true
        }
        return table
    }

    private static func pow26(_ n: Int) -> Int { n == 0 ? 1 : 26 * pow26(n - 1) }

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
