import ArgumentParser
import PostgresClient
import ProcessSupport

/// `rollup rates load FILE`: merges a CSV of dated rates into `exchange_rates`.
struct LoadRatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Merge a CSV of dated exchange rates into exchange_rates.",
        discussion: """
            The file's first line is currency,valid_from,units_per_XXX[,source], XXX the quote currency \
            (units_per_usd: units of the currency one US dollar buys). A rate holds from its valid_from, a UTC \
            day, until the currency's next one. Rows for a (currency, day) already loaded are replaced, so \
            loading a corrected file corrects the rates. A file with a bad row loads nothing.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Argument(help: ArgumentHelp("The CSV file, e.g. data/exchange_rates.csv.", valueName: "file"))
    var file: String

    func run() async throws {
        _ = log.bootstrap(label: "rollup")
        do {
            let rates = try RateFile(path: file)
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-rollup-rates")
            let loaded = try rates.load(into: db)
            let reporting = try db.query("select code from reporting_currency").scalar(String.self)
            print(
                "rates: \(loaded.rows) rows of \(loaded.currencies) currencies per \(rates.quoteCurrency), "
                    + "\(loaded.firstDay) to \(loaded.lastDay): \(loaded.added) added, \(loaded.changed) changed"
                    + (reporting == rates.quoteCurrency
                        ? ""
                        : "; the reporting currency is \(reporting), so these convert nothing until it is "
                            + "\(rates.quoteCurrency) (rollup rates reporting \(rates.quoteCurrency))"))
        } catch {
            ExitMessage.fail("rollup rates load", error)
        }
    }
}
