import ArgumentParser
import Foundation
import KafkaClient
import Logging
import Operations
import ProcessSupport

/// `loader`: loading (the default subcommand), `loader lag` and `loader replay-dead-letters`.
@main
struct LoaderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader",
        abstract: "Load purchases from Kafka into Postgres exactly once; show how far behind the topic it is.",
        subcommands: [LoadCommand.self, LagCommand.self, ReplayDeadLettersCommand.self],
        defaultSubcommand: LoadCommand.self)
}

/// `loader [load]`: Kafka → partitioned Postgres staging table, exactly once.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load purchases from Kafka into Postgres exactly once (binary COPY, offsets stored in Postgres).",
        discussion: """
            Each batch (up to --batch-size messages or --batch-ms milliseconds) is one transaction: valid rows \
            into staging_purchases, invalid messages into dead_letters with the reason, the touched minutes \
            into ingest_ledger, and the next offsets into loader_offsets. Runs until SIGTERM/SIGINT (the \
            batch in progress is committed, exit 0), or with --until-caught-up until everything the topic \
            held at start is loaded. Apply migrations first (rollup migrate).
            """)

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions
    @OptionGroup(title: "Operations") var operations: OperationsOptions

    @Option(
        help: """
            With --metrics-port, /readyz answers "not ready" when messages wait and no batch committed for \
            this long, e.g. 60s. Env: STUCK_AFTER. Default: 60s.
            """)
    var stuckAfter: DurationArgument?

    /// The flag, else `STUCK_AFTER` (checked in `validate`), else a minute.
    private var stuckAfterDuration: Duration {
        let value = stuckAfter ?? Environment.value("STUCK_AFTER").flatMap(DurationArgument.init(argument:))
        return .milliseconds(value?.milliseconds ?? 60_000)
    }

    @Option(
        name: .customLong("group-id"),
        help: "Consumer group; loaders sharing it split the partitions. Env: KAFKA_GROUP_ID. Default: purchase-loader.")
    var groupIDFlag: String?

    @Option(
        help: ArgumentHelp(
            "Read these partitions without a consumer group: 'all' or e.g. '0-15,32'. Env: LOADER_PARTITIONS. Default: join the group.",
            discussion:
                "No group join (about 3 s on a new group) and no rebalancing; to run several loaders, give each its own partitions. Offsets stay in Postgres and the offset fence still refuses a batch another loader already committed."
        ))
    var partitions: PartitionListArgument?

    /// The flag, else `LOADER_PARTITIONS` (checked in `validate`); nil: join the group.
    private var staticPartitions: PartitionListArgument? {
        partitions ?? Environment.value("LOADER_PARTITIONS").flatMap(PartitionListArgument.init(argument:))
    }

    @Option(help: "Most messages in one batch/transaction.")
    var batchSize = 50_000

    @Option(help: "Longest a batch stays open, in milliseconds.")
    var batchMs = 500

    @Flag(help: "Stop once everything the topic held at start is loaded (batch runs, demo, tests).")
    var untilCaughtUp = false

    @Option(
        help: "When retention deleted messages before they were loaded: stop, or skip (record the gap and continue).")
    var onGap: LoaderConfiguration.GapPolicy = .stop

    @Option(
        help:
            "Days after today that always have a staging partition (checked hourly). Env: PARTITIONS_AHEAD. Default: 7."
    )
    var partitionsAhead: Int?

    /// The flag, else `PARTITIONS_AHEAD` (checked in `validate`), else 7.
    private var partitionsAheadDays: Int {
        partitionsAhead ?? Environment.value("PARTITIONS_AHEAD").flatMap { Int($0) } ?? 7
    }

    func validate() throws {
        if stuckAfter == nil, let raw = Environment.value("STUCK_AFTER"), DurationArgument(argument: raw) == nil {
            throw ValidationError("STUCK_AFTER: expected a duration such as 60s or 2m, got \(raw.debugDescription)")
        }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard batchMs > 0 else { throw ValidationError("--batch-ms must be positive") }
        if partitionsAhead == nil, let raw = Environment.value("PARTITIONS_AHEAD"), Int(raw) == nil {
            throw ValidationError("PARTITIONS_AHEAD: expected a whole number of days, got \(raw.debugDescription)")
        }
        guard (1...36_500).contains(partitionsAheadDays) else {
            throw ValidationError(
                "--partitions-ahead (or PARTITIONS_AHEAD): \(partitionsAheadDays) is out of range (1-36500)")
        }
        if partitions == nil, let raw = Environment.value("LOADER_PARTITIONS"),
            PartitionListArgument(argument: raw) == nil
        {
            throw ValidationError(
                "LOADER_PARTITIONS: expected 'all' or partitions such as '0-15,32', got \(raw.debugDescription)")
        }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "loader")
        var configuration = LoaderConfiguration(topic: kafka.topic)
        configuration.groupID = groupIDFlag ?? Environment.value("KAFKA_GROUP_ID") ?? "purchase-loader"
        configuration.staticPartitions = staticPartitions
        configuration.batchMaxMessages = batchSize
        configuration.batchMaxMilliseconds = batchMs
        configuration.untilCaughtUp = untilCaughtUp
        configuration.onGap = onGap
        configuration.partitionsAheadDays = partitionsAheadDays
        let (kafkaConfiguration, settings) = (kafka.configuration, database.settings)
        // The effective settings, secrets masked (the database endpoint follows once connected).
        logger.info(
            "loader starting",
            metadata: [
                LogKey.topic: "\(configuration.topic)", LogKey.groupID: "\(configuration.groupID)",
                LogKey.partitions: "\(staticPartitions.map { "\($0)" } ?? "group")",
                "batch.max_messages": "\(batchSize)", "batch.max_ms": "\(batchMs)",
                "until_caught_up": "\(untilCaughtUp)", "on_gap": "\(onGap)",
                "partitions_ahead": "\(partitionsAheadDays)",
                "metrics_port": "\(operations.port.map(String.init) ?? "off")",
                LogKey.kafkaSettings: "\(kafkaConfiguration.redactedDescription)",
            ])
        OperationsOptions.describe(LoaderMetrics.descriptions)
        let metrics = LoaderMetrics()
        let readiness = Readiness(required: ["kafka", "postgres", "progress"])
        let server: OperationsServer?
        do {
            server = try await operations.serve(readiness: readiness, logger: logger, beforeScrape: metrics.refreshAge)
        } catch {
            ExitMessage.fail("loader", error)
        }
        let sampler =
            server == nil
            ? nil
            : LagSampler(
                metrics: metrics, readiness: readiness, kafka: kafkaConfiguration, topic: configuration.topic,
                database: settings, stuckAfter: stuckAfterDuration, logger: logger)
        let s = await BlockingService.runCommand("loader", logger: logger) { [configuration] stop in
            let sampling = StopSignal()
            defer { sampling.stop() }
            sampler?.start(stop: sampling)
            return try PurchaseLoader(
                configuration: configuration, kafka: kafkaConfiguration, databaseSettings: settings, logger: logger,
                metrics: metrics
            )
            .run(stop: stop)
        }
        await server?.stop()
        let rate = s.loadSeconds > 0 ? Int(Double(s.rows + s.deadLetters) / s.loadSeconds) : 0
        print(
            "loader: \(s.rows) rows and \(s.deadLetters) dead letters in \(s.batches) batches; "
                + "loaded in \(String(format: "%.2f", s.loadSeconds)) s (\(rate) msg/s) after "
                + (configuration.staticPartitions == nil ? "joining the group" : "taking its partitions")
                + " in \(String(format: "%.2f", s.joinSeconds)) s")
    }
}

extension LoaderConfiguration.GapPolicy: ExpressibleByArgument {}
