import Foundation
import PostgresClient
import ProcessSupport

/// `rollup report --html`: the story of the dashboards on one self-contained page, for a machine without
/// Grafana (the embedded default). Inline SVG charts and CSS only: no script, nothing from the network,
/// readable with JavaScript off and as a file sent by mail.
///
/// It shows the latest final window by country (the original project's view), amount per country over the
/// loaded range (the top countries and "other"), amount by category, the hourly totals, and the pipeline's
/// health numbers. Every amount is in the reporting currency (converted per minute, migration V018): the
/// charts compare countries, and amounts in different currencies cannot be compared or added. All text
/// from the data is escaped. The charts' data comes from the `report_*` functions, which know the model
/// tables; this file draws.
struct HTMLReport {
    let db: PostgresConnection
    /// Countries drawn as their own line; the others are summed as "other".
    var topCountries = 5

    /// Builds the page and writes it to `path` (through a temporary file, so a reader never sees half).
    func write(to path: String) throws {
        let page = try render()
        let temporary = path + ".partial"
        do {
            try page.write(toFile: temporary, atomically: false, encoding: .utf8)
        } catch {
            throw PipelineError(.file, "cannot write the report to \(path): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw PipelineError(.file, "cannot write the report to \(path): \(reason)")
        }
    }

    func render() throws -> String {
        let reporting = try db.query("select report_reporting_currency()").scalar(String.self)
        var body = "<h1>Purchases</h1>"
        body += try latestWindow(reporting)
        body += try overTime(reporting)
        body += try byCategory(reporting)
        body += try hourly(reporting)
        body += try health()
        let generated = try db.query("select to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS')")
            .scalar(String.self)
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Purchases report</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 920px; color: #222; }
            h1 { font-size: 26px; } h2 { font-size: 19px; margin-top: 32px; }
            figure { margin: 8px 0; } figcaption, .note { color: #555; font-size: 13px; }
            table { border-collapse: collapse; font-size: 14px; }
            td, th { padding: 3px 12px; border-bottom: 1px solid #ddd; text-align: right; }
            td:first-child, th:first-child { text-align: left; }
            svg text { font-family: system-ui, sans-serif; fill: #222; }
            </style>
            </head>
            <body>
            \(body)
            <p class="note">Generated \(generated) UTC by <code>rollup report --html</code>. Windows are [start, end) in UTC; \
            a window is final once the watermark passes its end.</p>
            </body>
            </html>

            """
    }

    private func rows(_ sql: String, _ parameters: [String] = [], columns: Int) throws -> [[String?]] {
        let result = try db.query(sql, parameters)
        return try (0..<result.rowCount).map { row in
            try (0..<columns).map { try result.optionalValue(String.self, row: row, column: $0) }
        }
    }

    private func latestWindow(_ reporting: String) throws -> String {
        let found = try rows("select * from report_latest_final_window()", columns: 4)
        guard let first = found.first else {
            return "<h2>Amount by country, latest final window</h2><p>No final window yet: a window becomes final "
                + "once the watermark passes its end.</p>"
        }
        let window = "\(first[2] ?? "")–\(first[3] ?? "") UTC"
        let bars = found.map { SVGChart.Bar(label: $0[0] ?? "", value: Double($0[1] ?? "") ?? 0) }
        return "<h2>Amount by country, latest final window (\(window.htmlEscaped))</h2><figure>"
            + SVGChart.horizontalBars(
                bars, valueAxis: "amount in \(reporting)", title: "Amount by country in \(reporting), \(window)")
            + "<figcaption>\(bars.count) countries, largest first; each currency converted at its day's rate."
            + "</figcaption></figure>"
    }

    private func overTime(_ reporting: String) throws -> String {
        let found = try rows("select * from report_amount_over_time($1)", [String(topCountries)], columns: 5)
        guard let minutes = found.first?[3], let range = found.first?[4] else { return "" }
        var labels: [String] = []
        var values: [String: [String: Double]] = [:]
        var totals: [String: Double] = [:]
        for row in found {
            let (time, name, amount) = (row[0] ?? "", row[1] ?? "", Double(row[2] ?? "") ?? 0)
            if labels.last != time { labels.append(time) }  // rows come in time order
            values[name, default: [:]][time] = amount
            totals[name, default: 0] += amount
        }
        let names = totals.keys.sorted { a, b in
            if (a == "other") != (b == "other") { return b == "other" }
            return totals[a]! != totals[b]! ? totals[a]! > totals[b]! : a < b
        }
        let series = names.map { name in SVGChart.Series(name: name, values: labels.map { values[name]?[$0] ?? 0 }) }
        return "<h2>Amount per country over time (top \(topCountries) and other)</h2><figure>"
            + SVGChart.lines(
                series, xLabels: labels, valueAxis: "\(reporting) per \(minutes) min",
                timeAxis: "window start, UTC (\(range))",
                title: "Amount per country over time")
            + "<figcaption>Each point sums \(minutes)-minute windows.</figcaption></figure>"
    }

    private func byCategory(_ reporting: String) throws -> String {
        let found = try rows("select * from report_amount_by_category()", columns: 2)
        guard !found.isEmpty else { return "" }
        let bars = found.map { SVGChart.Bar(label: $0[0] ?? "", value: Double($0[1] ?? "") ?? 0) }
        return "<h2>Amount by category</h2><figure>"
            + SVGChart.horizontalBars(
                bars, valueAxis: "amount in \(reporting)", title: "Amount by category in \(reporting)") + "</figure>"
    }

    private func hourly(_ reporting: String) throws -> String {
        let found = try rows("select * from report_hourly_totals()", columns: 2)
        guard !found.isEmpty else { return "" }
        let bars = found.map { SVGChart.Bar(label: $0[0] ?? "", value: Double($0[1] ?? "") ?? 0) }
        return "<h2>Hourly totals</h2><figure>"
            + SVGChart.columns(
                bars, valueAxis: "amount in \(reporting)", categoryAxis: "hour (UTC)",
                title: "Hourly totals in \(reporting)")
            + "<figcaption>Sums of purchase_summary's converted minutes; the latest 48 hours at most.</figcaption></figure>"
    }

    private func health() throws -> String {
        let numbers = try rows(
            """
            select (select count(*) from staging_purchases)::text, (select count(*) from dead_letters)::text,
                   (select count(*) from load_batches)::text,
                   (select to_char(max(committed_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from load_batches),
                   (select coalesce(sum(lag), 0) from loader_partition_lag)::text,
                   (select coalesce(sum(late_events), 0) from rollup_late_events)::text,
                   (select count(*) from rollup_late_events)::text
            """, columns: 7)[0]
        let table = [
            ("raw rows loaded", numbers[0]), ("dead letters", numbers[1]), ("load batches", numbers[2]),
            ("last batch committed (UTC)", numbers[3]), ("loader lag behind the topic, as last recorded", numbers[4]),
            ("late events (after their window was final)", numbers[5]), ("windows corrected after final", numbers[6]),
        ]
        var html = "<h2>Pipeline health</h2><table><tr><th>measure</th><th>value</th></tr>"
        for (name, value) in table {
            html += "<tr><td>\(name.htmlEscaped)</td><td>\((value ?? "–").htmlEscaped)</td></tr>"
        }
        html += "</table>"
        let reasons = try rows(
            """
            select coalesce(reason_kind, 'unclassified'), count(*)::text from dead_letters
            group by 1 order by count(*) desc, 1
            """, columns: 2)
        if !reasons.isEmpty {
            let bars = reasons.map { SVGChart.Bar(label: $0[0] ?? "", value: Double($0[1] ?? "") ?? 0) }
            html +=
                "<h2>Dead letters by reason</h2><figure>"
                + SVGChart.horizontalBars(bars, valueAxis: "dead letters", title: "Dead letters by reason")
                + "</figure>"
        }
        let late = try rows(
            """
            select model, sum(late_events)::text, count(*)::text, max(max_lateness)::text from rollup_late_events
            group by model order by model
            """, columns: 4)
        if !late.isEmpty {
            html +=
                "<h2>Late events by model</h2><table><tr><th>model</th><th>late events</th>"
                + "<th>windows corrected</th><th>latest arrival after its window</th></tr>"
            for row in late {
                html += "<tr>" + row.map { "<td>\(($0 ?? "").htmlEscaped)</td>" }.joined() + "</tr>"
            }
            html += "</table>"
        }
        return html
    }
}
