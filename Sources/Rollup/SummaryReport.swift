import PostgresClient
import PurchaseEvents

/// The demo's view of the result: what the original dashboard showed (amount by country for the latest
/// complete windows: the newest final ones, see `Finality`) and the check that the summary equals a
/// recompute from the raw rows, to the cent. What it reads is defined in the database (the `report_*`
/// functions, migration V017), next to the model tables, not here.
struct SummaryReport {
    let db: PostgresConnection

    /// Prints the report; returns false when a totals check fails.
    func print(windows: Int, countries: Int, expectAmount: String?) throws -> Bool {
        let result = try db.query(
            "select * from report_latest_final_windows($1, $2)", [String(windows), String(countries)])
        let rows = try (0..<result.rowCount).map { row in
            try (0..<6).map { try result.value(String.self, row: row, column: $0) }
        }
        Swift.print("Purchase amount by country, latest \(windows) final windows (UTC):")
        Swift.print(
            pad("window", 24) + pad("country", 9) + pad("purchases", 11, right: true) + pad("items", 9, right: true)
                + pad("amount", 16, right: true))
        var lastWindow = ""
        for row in rows {
            let window = "\(row[0])–\(row[1])"
            Swift.print(
                pad(window == lastWindow ? "" : window, 24) + pad(row[2], 9) + pad(row[3], 11, right: true)
                    + pad(row[4], 9, right: true) + pad(row[5], 16, right: true))
            lastWindow = window
        }
        if rows.isEmpty { Swift.print("(no final windows yet: a window is final once the watermark passes its end)") }
        try printTotals(countries: countries)

        let checked = try db.query("select * from report_summary_check()")
        let check: [String] = try (0..<11).map { try checked.value(String.self, row: 0, column: $0) }
        let summaryMatches = check[0..<3] == check[3..<6]
        Swift.print("")
        Swift.print("raw rows \(check[6]), dead letters \(check[7]), unrolled ledger minutes \(check[8])")
        Swift.print("late events (arrived after their window was final): \(check[9]), in \(check[10]) windows")
        Swift.print("purchase_summary: \(check[0]) purchases, \(check[1]) items, amount \(check[2])")
        Swift.print(
            "recomputed from purchase_events (each event once): \(check[3]) purchases, \(check[4]) items, amount \(check[5])"
        )
        var ok = summaryMatches
        Swift.print("totals check (summary = recompute): \(summaryMatches ? "OK" : "MISMATCH")")
        if let expectAmount {
            let matches = Money(expectAmount) != nil && Money(expectAmount) == Money(check[2])
            Swift.print(
                "totals check (summary = generator's valid amount \(expectAmount)): \(matches ? "OK" : "MISMATCH")")
            ok = ok && matches
        }
        return ok
    }

    /// Totals by country over everything rolled up, largest first, the countries past `countries` summed
    /// as "other".
    private func printTotals(countries: Int) throws {
        let range = try db.query("select * from report_summary_range()")
        guard let from = try range.optionalValue(String.self, row: 0, column: 0),
            let to = try range.optionalValue(String.self, row: 0, column: 1)
        else { return }
        let totals = try db.query("select * from report_country_totals($1)", [String(countries)])
        Swift.print("")
        Swift.print("Totals over the loaded range, \(from) to \(to) UTC:")
        Swift.print(
            pad("country", 9) + pad("purchases", 11, right: true) + pad("items", 9, right: true)
                + pad("amount", 16, right: true))
        for row in 0..<totals.rowCount {
            let values = try (0..<4).map { try totals.value(String.self, row: row, column: $0) }
            Swift.print(
                pad(values[0], 9) + pad(values[1], 11, right: true) + pad(values[2], 9, right: true)
                    + pad(values[3], 16, right: true))
        }
    }

    private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s + "  " : s + fill
    }
}
