import PostgresClient
import PurchaseEvents

/// The demo's view of the result: what the original dashboard showed (amount by country for the latest
/// complete windows: the newest final ones, see `Finality`), in each currency and converted to the
/// reporting currency, and the check, per currency, that the summary equals a recompute from the raw rows
/// to the minor unit. What it reads is defined in the database (the `report_*` functions, migration V018),
/// next to the model tables, not here.
struct SummaryReport {
    let db: PostgresConnection

    /// Prints the report; returns false when a totals check fails. `expectAmounts` maps currencies to the
    /// amounts purchase_summary must hold in them (the generator's `valid_amounts`).
    func print(windows: Int, countries: Int, expectAmounts: [String: String]?) throws -> Bool {
        let reporting = try db.query("select report_reporting_currency()").value(String.self, row: 0, column: 0)
        let result = try db.query(
            "select * from report_latest_final_windows($1, $2)", [String(windows), String(countries)])
        let rows = try (0..<result.rowCount).map { row in
            try (0..<8).map { try result.optionalValue(String.self, row: row, column: $0) ?? "" }
        }
        Swift.print("Purchase amount by country and currency, latest \(windows) final windows (UTC):")
        Swift.print(
            pad("window", 24) + pad("country", 9) + pad("currency", 9) + pad("purchases", 11, right: true)
                + pad("items", 9, right: true) + pad("amount", 16, right: true)
                + pad("in \(reporting)", 14, right: true))
        var lastWindow = ""
        for row in rows {
            let window = "\(row[0])–\(row[1])"
            Swift.print(
                pad(window == lastWindow ? "" : window, 24) + pad(row[2], 9) + pad(row[3], 9)
                    + pad(row[4], 11, right: true) + pad(row[5], 9, right: true) + pad(row[6], 16, right: true)
                    + pad(Self.converted(row[7]), 14, right: true))
            lastWindow = window
        }
        if rows.isEmpty { Swift.print("(no final windows yet: a window is final once the watermark passes its end)") }
        try printTotals(countries: countries, reporting: reporting)

        let counts = try db.query("select * from report_pipeline_counts()")
        let count: [String] = try (0..<6).map { try counts.value(String.self, row: 0, column: $0) }
        Swift.print("")
        Swift.print(
            "raw rows \(count[0]), dead letters \(count[1])"
                + (count[5] == "0" ? "" : " (and \(count[5]) replayed and loaded)")
                + ", unrolled ledger minutes \(count[2])")
        Swift.print("late events (arrived after their window was final): \(count[3]), in \(count[4]) windows")

        let checked = try db.query("select * from report_summary_check()")
        Swift.print("Totals check per currency, purchase_summary against a recompute from purchase_events:")
        Swift.print(
            pad("currency", 9) + pad("purchases", 11, right: true) + pad("items", 9, right: true)
                + pad("amount", 18, right: true) + pad("recomputed", 18, right: true) + "  check")
        var ok = true
        var summaryAmounts: [String: String] = [:]
        for row in 0..<checked.rowCount {
            let v = try (0..<7).map { try checked.optionalValue(String.self, row: row, column: $0) ?? "none" }
            let matches = v[1..<4] == v[4..<7]
            ok = ok && matches
            summaryAmounts[v[0]] = v[3]
            Swift.print(
                pad(v[0], 9) + pad(v[1], 11, right: true) + pad(v[2], 9, right: true) + pad(v[3], 18, right: true)
                    + pad(v[6], 18, right: true)
                    + (matches ? "OK" : "MISMATCH (recomputed \(v[4]) purchases, \(v[5]) items)"))
        }
        Swift.print("totals check (summary = recompute, in every currency): \(ok ? "OK" : "MISMATCH")")
        if let expectAmounts {
            let wrong = Set(expectAmounts.keys).union(summaryAmounts.keys).sorted().filter { currency in
                guard let exponent = ReferenceData.minorUnit(of: currency),
                    let expected = expectAmounts[currency].flatMap({ Money($0, exponent: exponent) }),
                    let found = summaryAmounts[currency].flatMap({ Money($0, exponent: exponent) })
                else { return true }
                return expected != found
            }
            Swift.print(
                "totals check (summary = the expected amounts in \(expectAmounts.count) currencies): "
                    + (wrong.isEmpty ? "OK" : "MISMATCH in " + wrong.joined(separator: ", ")))
            ok = ok && wrong.isEmpty
        }
        return ok
    }

    /// A converted amount, or why there is none.
    private static func converted(_ text: String) -> String { text.isEmpty ? "no rate" : text }

    /// Totals by country over everything rolled up, largest in the reporting currency first, each country's
    /// currencies under it, the countries past `countries` summed as "other".
    private func printTotals(countries: Int, reporting: String) throws {
        let range = try db.query("select * from report_summary_range()")
        guard let from = try range.optionalValue(String.self, row: 0, column: 0),
            let to = try range.optionalValue(String.self, row: 0, column: 1)
        else { return }
        let totals = try db.query("select * from report_country_totals($1)", [String(countries)])
        Swift.print("")
        Swift.print("Totals over the loaded range, \(from) to \(to) UTC:")
        Swift.print(
            pad("country", 9) + pad("currency", 9) + pad("purchases", 11, right: true) + pad("items", 9, right: true)
                + pad("amount", 18, right: true) + pad("in \(reporting)", 16, right: true))
        for row in 0..<totals.rowCount {
            let values = try (0..<6).map { try totals.optionalValue(String.self, row: row, column: $0) ?? "" }
            Swift.print(
                pad(values[0], 9) + pad(values[1], 9) + pad(values[2], 11, right: true) + pad(values[3], 9, right: true)
                    + pad(values[4], 18, right: true) + pad(Self.converted(values[5]), 16, right: true))
        }
    }

    private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s + "  " : s + fill
    }
}
