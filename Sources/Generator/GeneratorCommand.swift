import ArgumentParser
import Foundation
import Logging
import ProcessSupport
import PurchaseEvents

/// `generator`: simulated purchases into Kafka.
@main
struct GeneratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generator",
        abstract: "Produce simulated ecommerce purchases to Kafka.",
        discussion: """
            Events are JSON, one purchase per message, keyed by user id. The same --seed gives the same \
            purchases; with --backfill their event times are also fixed relative to the start. Prints a \
            progress line every 5 s and a summary at the end; exits non-zero if any message was not delivered.
            """)

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var log: LogOptions

    @Option(help: "Messages to produce; omit to run until --duration or a signal.")
    var count: Int?

    @Option(help: "Stop after this long, e.g. 30s, 5m.")
    var duration: DurationArgument?

    @Option(help: "Messages per second, or 'unlimited'.")
    var rate: RateArgument = RateArgument(perSecond: 1_000)

    @Option(help: "Random seed; the same seed gives the same purchases.")
    var seed: UInt64 = 42

    @Option(help: "Distinct customers; the busiest places about 1/sqrt(users) of the orders.")
    var users = 50_000

    @Option(help: "Share of events whose created_at lies in the past (0...1).")
    var lateFraction: Double = 0

    @Option(help: "How far in the past late events may be, e.g. 5m.")
    var maxLateness: DurationArgument = DurationArgument(milliseconds: 300_000)

    @Option(help: "Share of messages that re-send an earlier purchase, as an upstream retry would (0...1).")
    var duplicateFraction: Double = 0

    @Option(help: "Share of malformed messages, for the dead-letter path (0...1).")
    var invalidFraction: Double = 0

    @Option(
        help:
            "Share of hostile messages: every malformed kind, a ~1 MB value, null keys, extra fields, re-sent purchases (0...1)."
    )
    var hostileFraction: Double = 0

    @Option(help: "Share of purchases paid in USD, EUR or GBP rather than the country's own currency (0...1).")
    var foreignCurrencyFraction: Double = 0.02

    @Option(
        help: ArgumentHelp(
            "Reference rates to price the catalogue in each currency. Env: RATES_FILE.",
            discussion: "CSV of currency,valid_from,units_per_usd,source; the latest rate per currency is used.",
            valueName: "file"))
    var rates: String = Environment.value("RATES_FILE") ?? "data/exchange_rates.csv"

    @Option(help: "Spread event times evenly over this span ending now (needs --count), e.g. 30m.")
    var backfill: DurationArgument?

    @Option(help: "Also write the summary as JSON to this file.")
    var summaryFile: String?

    func validate() throws {
        for (name, value) in [
            ("late", lateFraction), ("duplicate", duplicateFraction), ("invalid", invalidFraction),
            ("hostile", hostileFraction), ("foreign-currency", foreignCurrencyFraction),
        ]
        where !(0...1).contains(value) {
            throw ValidationError("--\(name)-fraction must be between 0 and 1")
        }
        guard duplicateFraction + invalidFraction + hostileFraction <= 1 else {
            throw ValidationError(
                "--duplicate-fraction, --invalid-fraction and --hostile-fraction must not add up to more than 1")
        }
        if let count, count < 0 { throw ValidationError("--count must not be negative") }
        guard (1...100_000_000).contains(users) else { throw ValidationError("--users must be 1...100000000") }
        if backfill != nil, count == nil { throw ValidationError("--backfill needs --count") }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "generator")
        var configuration = GeneratorConfiguration()
        configuration.count = count
        configuration.durationMilliseconds = duration?.milliseconds
        configuration.rate = rate.perSecond
        configuration.seed = seed
        configuration.users = users
        configuration.lateFraction = lateFraction
        configuration.maxLatenessMilliseconds = maxLateness.milliseconds
        configuration.duplicateFraction = duplicateFraction
        configuration.invalidFraction = invalidFraction
        configuration.hostileFraction = hostileFraction
        configuration.backfillMilliseconds = backfill?.milliseconds
        configuration.foreignCurrencyFraction = foreignCurrencyFraction
        configuration.rates = loadRates()
        let (kafkaConfiguration, topic) = (kafka.configuration, kafka.topic)
        let summary = await BlockingService.runCommand("generator", logger: logger) { [configuration] stop in
            try PurchaseGenerator(configuration: configuration, kafka: kafkaConfiguration, topic: topic, logger: logger)
                .run(stop: stop)
        }
        let rate = summary.seconds > 0 ? Int(Double(summary.messages) / summary.seconds) : 0
        print(
            "generator: \(summary.messages) messages (\(summary.bytes) bytes) in \(String(format: "%.1f", summary.seconds)) s, "
                + "\(rate) msg/s; valid \(summary.validPurchases) (late \(summary.lateEvents)), "
                + "duplicates \(summary.duplicates), invalid \(summary.invalid), hostile \(summary.hostile); valid amounts "
                + summary.validAmounts.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        )
        if let summaryFile {
            do {
                try (summary.json + "\n").write(toFile: summaryFile, atomically: true, encoding: .utf8)
            } catch {
                ExitMessage.fail("generator", PipelineError(.file, "cannot write \(summaryFile): \(error)"))
            }
        }
    }

    /// The reference rates, or a clear stop: without a rate for every currency it sells in, the simulator
    /// would have to guess prices.
    private func loadRates() -> ReferenceRates {
        do {
            let loaded = try ReferenceRates(file: rates)
            let missing = PurchaseSimulator.currencyCodes.filter { loaded.unitsPerDollar[$0] == nil }
            guard missing.isEmpty else {
                ExitMessage.fail(
                    "generator",
                    PipelineError(.file, "\(rates) has no rate for \(missing.joined(separator: ", "))"))
            }
            return loaded
        } catch {
            ExitMessage.fail("generator", PipelineError(.file, "the reference rates \(rates): \(error)"))
        }
    }
}
