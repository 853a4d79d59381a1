import ArgumentParser
import PostgresClient
import ProcessSupport

/// `rollup report`: what the demo prints at the end.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Print purchase amount by country for the latest final windows and over the loaded range, and check the totals.",
        discussion: """
            The totals check compares purchase_summary with an independent GROUP BY over the purchase events \
            (each counted once, as the purchase_events view defines them) and, with --expect-amount, with what \
            the generator reported. Exits 1 on a mismatch.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Option(help: "How many of the latest final windows to show.")
    var windows = 3

    @Option(help: "Countries per window, and in the totals (the others summed as \"other\").")
    var countries = 8

    @Option(help: "The total amount the summary must hold, e.g. the generator's valid amount.")
    var expectAmount: String?

    @Option(
        help: ArgumentHelp(
            "Write the report as one self-contained HTML page (inline SVG charts, no scripts) to this file.",
            valueName: "file"))
    var html: String?

    func validate() throws {
        guard windows > 0, countries > 0 else { throw ValidationError("--windows and --countries must be positive") }
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
            let ok = try SummaryReport(db: db).print(windows: windows, countries: countries, expectAmount: expectAmount)
            if !ok { throw ExitCode.failure }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            ExitMessage.fail("rollup report", error)
        }
    }
}
