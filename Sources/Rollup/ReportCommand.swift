import ArgumentParser
import Foundation
import PostgresClient
import ProcessSupport

/// `rollup report`: what the demo prints at the end.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Print purchase amounts by country and currency for the latest final windows and over the loaded range, and check the totals.",
        discussion: """
            Amounts are shown in their own currency and converted to the reporting currency (reporting_currency, \
            with the rates in exchange_rates; "no rate" where a day has none). The totals check compares \
            purchase_summary, per currency, with an independent GROUP BY over the purchase events (each counted \
            once, as the purchase_events view defines them) and, with --expect-amounts, with what the generator \
            reported. Exits 1 on a mismatch.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Option(help: "How many of the latest final windows to show.")
    var windows = 3

    @Option(help: "Countries per window, and in the totals (the others summed as \"other\").")
    var countries = 8

    @Option(
        help: ArgumentHelp(
            "The amounts the summary must hold per currency, as a JSON object: {\"EUR\":\"1234.50\",\"JPY\":\"35000\"} (the generator's valid_amounts).",
            valueName: "json"))
    var expectAmounts: String?

    @Option(
        help: ArgumentHelp(
            "Write the report as one self-contained HTML page (inline SVG charts, no scripts) to this file.",
            valueName: "file"))
    var html: String?

    func validate() throws {
        guard windows > 0, countries > 0 else { throw ValidationError("--windows and --countries must be positive") }
        if expectAmounts != nil, expectedAmounts == nil {
            throw ValidationError("--expect-amounts must be a JSON object of currency codes and amount strings")
        }
    }

    /// `--expect-amounts` read, nil when it is not an object of strings.
    private var expectedAmounts: [String: String]? {
        guard let expectAmounts else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(expectAmounts.utf8))) as? [String: String]
    }

    func run() async throws {
        _ = log.bootstrap(label: "report")
        do {
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-report")
            if let html {
                try HTMLReport(db: db).write(to: html)
                print("report written to \(html)")
                return
            }
            let ok = try SummaryReport(db: db).print(
                windows: windows, countries: countries, expectAmounts: expectedAmounts)
            if !ok { throw ExitCode.failure }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            ExitMessage.fail("rollup report", error)
        }
    }
}
