#if canImport(Glibc)
    import Glibc
#endif

/// How many units of each currency a US dollar buys, as the latest row per currency of a reference-rates
/// file says (`data/exchange_rates.csv`: `currency,valid_from,units_per_usd,source`).
///
/// The simulator prices its catalogue with these, so a Japanese customer pays about 150 yen where an
/// American pays a dollar. The same file is what the database converts totals with (`rollup rates load`);
/// the simulator needs only an order of magnitude, so it reads the latest rate and nothing else.
public struct ReferenceRates: Sendable {
    public private(set) var unitsPerDollar: [String: Double] = ["USD": 1]

    /// Reads the CSV's first three fields per line; later fields (the source, which may be quoted and
    /// hold commas) are not needed here.
    public init(csv text: String) throws(ReferenceRatesError) {
        var latest: [String: Substring] = [:]
        for (index, line) in text.split(whereSeparator: \.isNewline).enumerated() where index > 0 {
            let fields = line.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, let rate = Double(fields[2]), rate > 0 else {
                throw ReferenceRatesError(line: index + 1, text: String(line.prefix(80)))
            }
            let currency = String(fields[0])
            guard fields[1] >= latest[currency, default: ""] else { continue }
            latest[currency] = fields[1]
            unitsPerDollar[currency] = rate
        }
    }

    /// Reads a reference-rates file: the generator's `--rates` and the tests' copy of the shipped one.
    public init(file path: String) throws(ReferenceRatesError) {
        guard let handle = fopen(path, "r") else {
            throw ReferenceRatesError(line: 0, text: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        try self.init(csv: String(decoding: bytes, as: UTF8.self))
    }

    public init(unitsPerDollar: [String: Double]) {
        self.unitsPerDollar = unitsPerDollar.merging(["USD": 1]) { a, _ in a }
    }
}

/// A reference-rates file that cannot be read, or a line of it that is not
/// `currency,valid_from,units_per_usd[,source]` (`line` 0: the file itself).
public struct ReferenceRatesError: Error, CustomStringConvertible {
    public let line: Int
    public let text: String
    public var description: String {
        line == 0
            ? text
            : "line \(line) is not currency,valid_from,units_per_usd,source with a positive rate: \(text.debugDescription)"
    }
}
