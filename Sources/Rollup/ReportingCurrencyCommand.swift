import ArgumentParser
import PostgresClient
import ProcessSupport

/// `rollup rates reporting [CODE]`: shows or sets the currency converted totals are shown in.
struct ReportingCurrencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reporting",
        abstract: "Show the reporting currency, or set it (rates quoted in it must be loaded).",
        discussion: """
            Converted totals use the rates quoted in the reporting currency. Setting a currency with no rates \
            loaded is refused: every converted total would show as not convertible.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Argument(help: ArgumentHelp("The ISO 4217 code to report in, e.g. EUR; omit to show it.", valueName: "code"))
    var code: String?

    func run() async throws {
        _ = log.bootstrap(label: "rollup")
        do {
            let db = try PostgresConnection(settings: database.settings, applicationName: "purchase-rollup-rates")
            if let code {
                let rates = try db.query(
                    """
                    select (select count(*) from currencies where code = $1),
                           (select count(*) from exchange_rates where quote_currency = $1)
                    """, [code])
                guard try rates.value(Int.self, row: 0, column: 0) == 1 else {
                    throw PipelineError(.configuration, "\(code.debugDescription) is not an ISO 4217 currency code")
                }
                guard try rates.value(Int.self, row: 0, column: 1) > 0 else {
                    throw PipelineError(
                        .configuration,
                        "no rates quoted in \(code) are loaded; load a file with a units_per_\(code.lowercased()) column first (rollup rates load FILE)"
                    )
                }
                _ = try db.query("update reporting_currency set code = $1", [code])
            }
            let current = try db.query(
                """
                select r.code, count(e.*), coalesce(max(e.valid_from)::text, 'none')
                from reporting_currency as r left join exchange_rates as e on e.quote_currency = r.code
                group by r.code
                """)
            print(
                "reporting currency \(try current.value(String.self, row: 0, column: 0)): "
                    + "\(try current.value(Int.self, row: 0, column: 1)) rates quoted in it, the latest from "
                    + (try current.value(String.self, row: 0, column: 2)))
        } catch {
            ExitMessage.fail("rollup rates reporting", error)
        }
    }
}
