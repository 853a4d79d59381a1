import PostgresClient
import PurchaseEvents

/// The demo's view of the result: what the original dashboard showed (amount by country for the latest
/// complete windows: the newest final ones, see `Finality`) and the check that the summary equals a
/// recompute from the raw rows, to the cent.
struct SummaryReport {
    let db: PostgresConnection

    /// Prints the report; returns false when a totals check fails.
    func print(windows: Int, countries: Int, expectAmount: String?) throws -> Bool {
        let result = try db.query(
            """
            with latest as (
                select distinct window_start from purchase_summary
                where is_final
                order by window_start desc
                limit $1
            ),
            ranked as (
                select s.*, row_number() over (partition by s.window_start order by s.total_amount desc) as rank
                from purchase_summary as s
                join latest using (window_start)
            )
            select to_char(window_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
                   to_char(window_end at time zone 'UTC', 'HH24:MI'),
                   country, purchase_count, item_count, total_amount
            from ranked
            where rank <= $2
            order by window_start desc, total_amount desc, country
            """, [String(windows), String(countries)])
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

        let checked = try db.query(
            """
            with summary as (
                select coalesce(sum(purchase_count), 0) as purchases, coalesce(sum(item_count), 0) as items,
                       coalesce(sum(total_amount), 0) as amount
                from purchase_summary
            ),
            recomputed as (
                select count(*) as purchases, coalesce(sum(quantity), 0) as items, coalesce(sum(amount), 0) as amount
                from purchase_events
            )
            select s.purchases, s.items, s.amount::text, r.purchases, r.items, r.amount::text,
                   (select count(*) from staging_purchases), (select count(*) from dead_letters),
                   (select count(*) from ingest_ledger),
                   (select coalesce(sum(late_events), 0) from rollup_late_events where model = 'purchase_summary'),
                   (select count(*) from rollup_late_events where model = 'purchase_summary')
            from summary s, recomputed r
            """
        )
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
        let range = try db.query(
            """
            select to_char(min(window_start) at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
                   to_char(max(window_end) at time zone 'UTC', 'YYYY-MM-DD HH24:MI')
            from purchase_summary
            """)
        guard let from = try range.optionalValue(String.self, row: 0, column: 0),
            let to = try range.optionalValue(String.self, row: 0, column: 1)
        else { return }
        let totals = try db.query(
            """
            with per_country as (
                select country, sum(purchase_count) as purchases, sum(item_count) as items,
                       sum(total_amount) as amount
                from purchase_summary
                group by country
            ),
            ranked as (
                select *, row_number() over (order by amount desc, country) <= $1 as shown from per_country
            )
            select case when shown then country else 'other' end, sum(purchases), sum(items), sum(amount)::text
            from ranked
            group by 1, shown
            order by shown desc, sum(amount) desc
            """, [String(countries)])
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
