import ArgumentParser
import ProcessSupport

/// The partition-lifecycle settings of `rollup run` and `rollup maintain`, by flag or environment variable.
struct MaintenanceOptions: ParsableArguments {
    @Option(help: "Days after today that always have a staging partition. Env: PARTITIONS_AHEAD. Default: 7.")
    var partitionsAhead: Int?

    @Option(
        help: """
            Days back from today whose rows in the default partition get a partition of their own (older ones \
            stay in the default partition). Env: PARTITION_HORIZON_DAYS. Default: 366.
            """)
    var partitionHorizon: Int?

    @Option(
        help: """
            Drop raw partitions of days older than this many days, once every model has rolled them up. \
            Env: RAW_RETENTION_DAYS. Default: keep them.
            """)
    var rawRetention: Int?

    @Option(
        help: """
            Delete summary rows of windows that ended more than this many days ago. Env: SUMMARY_RETENTION_DAYS. \
            Default: keep them.
            """)
    var summaryRetention: Int?

    /// The effective settings: flags, else environment variables, else the defaults; a bad value is an error
    /// naming it.
    func settings() throws -> PartitionMaintenance.Settings {
        var settings = PartitionMaintenance.Settings()
        settings.daysAhead = try Self.days(partitionsAhead, "PARTITIONS_AHEAD", minimum: 1) ?? settings.daysAhead
        settings.horizonDays =
            try Self.days(partitionHorizon, "PARTITION_HORIZON_DAYS", minimum: 0) ?? settings.horizonDays
        settings.rawRetentionDays = try Self.days(rawRetention, "RAW_RETENTION_DAYS", minimum: 1)
        settings.summaryRetentionDays = try Self.days(summaryRetention, "SUMMARY_RETENTION_DAYS", minimum: 1)
        return settings
    }

    func validate() throws { _ = try settings() }

    private static func days(_ flag: Int?, _ variable: String, minimum: Int) throws -> Int? {
        let value: Int?
        if let flag {
            value = flag
        } else if let raw = Environment.value(variable) {
            guard let parsed = Int(raw) else {
                throw ValidationError("\(variable): expected a whole number of days, got \(raw.debugDescription)")
            }
            value = parsed
        } else {
            value = nil
        }
        if let value, value < minimum || value > 36_500 {
            throw ValidationError("\(variable) (or its flag): \(value) days is out of range (\(minimum)-36500)")
        }
        return value
    }
}
