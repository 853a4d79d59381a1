import Foundation
import PurchaseEvents
import Testing

/// `schemas/purchase.schema.json` is the contract published to producers. These tests hold it to the loader:
/// Python's `jsonschema` (a validator we did not write) judges the generator's events and every kind of the
/// hostile catalogue, and each verdict must be the one the kind declares (`HostileMessage.schemaVerdict`).
@Suite struct PurchaseSchemaTests {
    static let schemaPath = TestEnvironment.packageRoot + "/schemas/purchase.schema.json"

    struct Verdict: Decodable {
        let name: String
        let verdict: String
        let detail: String
    }

    /// Runs scripts/schema_check.py on the given message values.
    func judge(_ cases: [(name: String, value: [UInt8]?)]) throws -> [String: Verdict] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        var lines = ""
        for (name, value) in cases {
            let encoded = value.map { "\"\(Data($0).base64EncodedString())\"" } ?? "null"
            lines += "{\"name\":\"\(name)\",\"value\":\(encoded)}\n"
        }
        try lines.write(to: file, atomically: true, encoding: .utf8)
        let output = try ExternalTool.python.run([
            TestEnvironment.packageRoot + "/scripts/schema_check.py", Self.schemaPath, file.path,
        ])
        let verdicts = try output.split(separator: "\n").map {
            try JSONDecoder().decode(Verdict.self, from: Data($0.utf8))
        }
        #expect(verdicts.count == cases.count)
        return Dictionary(verdicts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func theGeneratorsEventsValidate() throws {
        var simulator = PurchaseSimulator(seed: 7)
        let start = EventTime("2026-11-24T00:00:00Z")!
        let cases = (0..<1_000).map { index in
            let time = EventTime(microsecondsSinceEpoch: start.microsecondsSinceEpoch + Int64(index) * 61_003_000)
            return (name: "event \(index)", value: Optional(simulator.next(createdAt: time).jsonBytes))
        }
        let verdicts = try judge(cases)
        for (name, _) in cases {
            #expect(verdicts[name]?.verdict == "valid", "\(name): \(verdicts[name]?.detail ?? "no verdict")")
        }
    }

    @Test func everyHostileKindMeetsItsDeclaredVerdict() throws {
        var simulator = PurchaseSimulator(seed: 8)
        let purchase = simulator.next(createdAt: EventTime("2026-11-24T19:59:58.250Z")!)
        let cases = HostileMessage.allCases.map { kind in
            (name: "\(kind)", value: kind.make(from: purchase.jsonBytes, key: [], purchase: purchase).value)
        }
        let verdicts = try judge(cases)
        for kind in HostileMessage.allCases {
            let expected = kind.schemaVerdict == .beyondSchema ? "valid" : kind.schemaVerdict.rawValue
            let found = verdicts["\(kind)"]
            #expect(found?.verdict == expected, "\(kind): \(found?.verdict ?? "none") \(found?.detail ?? "")")
        }
        // The contract says what loads: no kind the loader refuses is declared valid, and every kind it loads is.
        #expect(HostileMessage.allCases.allSatisfy { ($0.schemaVerdict == .valid) == $0.loads })
    }

    /// The schema's code lists are the loader's, letter for letter.
    @Test func codeListsAreTheLoaders() throws {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.schemaPath)))
        let properties = (schema as? [String: Any])?["properties"] as? [String: Any]
        let countries = (properties?["country"] as? [String: Any])?["enum"] as? [String]
        let currencies = (properties?["currency"] as? [String: Any])?["enum"] as? [String]
        #expect(countries.map(Set.init) == ReferenceData.countries)
        #expect(currencies.map(Set.init) == ReferenceData.currencies)

        // allOf[0]: the currencies without a minor unit, then (its else) those with three places.
        func codes(_ rule: Any?) -> Set<String>? {
            let condition = (rule as? [String: Any])?["if"] as? [String: Any]
            let currency = (condition?["properties"] as? [String: Any])?["currency"] as? [String: Any]
            return (currency?["enum"] as? [String]).map(Set.init)
        }
        let rules = (schema as? [String: Any])?["allOf"] as? [Any] ?? []
        #expect(rules.count == 6)
        #expect(codes(rules.first) == ReferenceData.currenciesWithoutMinorUnit)
        #expect(codes((rules.first as? [String: Any])?["else"]) == ReferenceData.currenciesWithThreePlaces)
        // allOf[1...5]: the unit price caps, by how many tens of units a dollar buys.
        var listed = Set<String>()
        for power in 1...4 {
            let expected = Set(
                ReferenceData.unitsPerDollarPowerOfTen[power]!.split(whereSeparator: \.isWhitespace).map(String.init))
            #expect(codes(rules.dropFirst(1 + power).first) == expected, "10^\(power)")
            listed.formUnion(expected)
        }
        #expect(codes(rules.dropFirst().first) == ReferenceData.currencies.subtracting(listed))
    }
}
