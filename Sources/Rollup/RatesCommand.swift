import ArgumentParser

/// `rollup rates`: the exchange rates converted totals are computed with, and the reporting currency.
struct RatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates",
        abstract: "Load dated exchange rates, and show or set the reporting currency.",
        discussion: """
            Converted totals read exchange_rates when they are read: a rate loaded or corrected later changes \
            the converted totals of the days it covers, and no others, with nothing to backfill.
            """,
        subcommands: [LoadRatesCommand.self, ReportingCurrencyCommand.self])
}
