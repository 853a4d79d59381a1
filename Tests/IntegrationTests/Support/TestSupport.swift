import Foundation
import KafkaClient
import Logging
import PostgresClient
import ProcessSupport
import PurchaseEvents
import Synchronization
import Testing

@testable import Generator
@testable import Loader
@testable import Rollup
@testable import RollupEngine

/// Where the integration tests find their services. They need a real Postgres (`TEST_DATABASE_URL`, a
/// key=value libpq string for a superuser; `make test` starts a private one) and host librdkafka's mock
/// cluster in-process, a fresh one per test. A missing database is a failure, never a skip.
enum TestEnvironment {
    static var databaseSettings: String {
        get throws {
            guard let settings = Environment.value("TEST_DATABASE_URL") else {
                throw PipelineError(
                    .configuration,
                    "TEST_DATABASE_URL is not set: run the tests with `make test`, or start scripts/services.sh up and export what it prints"
                )
            }
            return settings
        }
    }

    /// Tests/IntegrationTests/Support/TestSupport.swift is four levels below the package root.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static var migrations: String { packageRoot + "/migrations" }
    static var sql: String { packageRoot + "/sql" }

    /// Tests capture nothing from logs by default; they never bootstrap the logging system.
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A freshly created and migrated database, dropped when the test is done with it.
final class TestDatabase: Sendable {
    let name: String
    let settings: String
    private let adminSettings: String

    init(migrate: Bool = true) throws {
        adminSettings = try TestEnvironment.databaseSettings
        name = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        settings = adminSettings + " dbname=\(name)"
        let admin = try PostgresConnection(settings: adminSettings)
        try admin.execute(script: "create database \(name)")
        if migrate {
            try Migrator(directory: TestEnvironment.migrations, logger: TestEnvironment.logger).migrate(try connect())
        }
    }

    deinit {
        if let admin = try? PostgresConnection(settings: adminSettings) {
            _ = try? admin.execute(script: "drop database if exists \(name) with (force)")
        }
    }

    func connect() throws -> PostgresConnection { try PostgresConnection(settings: settings) }

    func scalar(_ sql: String, _ parameters: [String?] = []) throws -> String? {
        try connect().query(sql, parameters).scalar
    }

    func count(_ sql: String) throws -> Int { try connect().query(sql).scalar(Int.self) }

    /// Rows of purchase_summary that differ from an independent GROUP BY over the purchase events (each
    /// counted once, by the database's own definition, `purchase_events`), in either direction, for
    /// 1-minute windows.
    func summaryMismatches() throws -> Int {
        try count(
            """
            with expected as (
                select purchase_window_start(created_at, '1 minute') as window_start, country, currency,
                       count(*) as purchase_count, sum(quantity) as item_count, sum(amount) as total_amount
                from purchase_events
                group by 1, 2, 3
            )
            select count(*)
            from expected e
            full join purchase_summary s
              on s.window_start = e.window_start and s.country = e.country and s.currency = e.currency
            where e.window_start is null or s.window_start is null
               or (e.purchase_count, e.item_count, e.total_amount) is distinct from (s.purchase_count, s.item_count, s.total_amount)
               or s.window_end <> s.window_start + interval '1 minute'
            """)
    }
}

/// A mock Kafka cluster with one topic, hosted in the test process.
final class TestKafka {
    let cluster: MockKafkaCluster
    let topic: String

    init(partitions: Int32 = 8, topic: String = "purchases") throws {
        cluster = try MockKafkaCluster(brokers: 1, logger: TestEnvironment.logger)
        self.topic = topic
        try cluster.createTopic(topic, partitions: partitions)
    }

    var configuration: KafkaConfiguration { KafkaConfiguration(bootstrapServers: cluster.bootstrapServers) }

    /// Produces raw messages (keys and values as given, nil for null) and waits until all are acknowledged.
    func produce(_ messages: [(key: [UInt8]?, value: [UInt8]?)]) throws {
        let producer = try KafkaProducer(configuration: configuration, topic: topic, logger: TestEnvironment.logger)
        for message in messages {
            try withOptionalBytes(message.key) { key in
                try withOptionalBytes(message.value) { value in try producer.send(key: key, value: value) }
            }
        }
        try producer.flush(timeoutMilliseconds: 30_000)
        #expect(producer.deliveredCount == messages.count)
    }

    /// Runs the real generator against this cluster.
    func generate(_ configure: (inout GeneratorConfiguration) -> Void) throws -> GeneratorSummary {
        var configuration = GeneratorConfiguration()
        configuration.rates = try ReferenceRates(file: TestEnvironment.packageRoot + "/data/exchange_rates.csv")
        configuration.rate = nil
        configure(&configuration)
        return try PurchaseGenerator(
            configuration: configuration, kafka: self.configuration, topic: topic, logger: TestEnvironment.logger
        ).run(stop: StopSignal())
    }

    func loader(
        _ db: TestDatabase, kafkaProperties: [String: String] = [:],
        _ configure: (inout LoaderConfiguration) -> Void = { _ in }
    ) -> PurchaseLoader {
        var configuration = LoaderConfiguration(topic: topic)
        configuration.untilCaughtUp = true
        configuration.batchMaxMessages = 5_000
        configure(&configuration)
        var kafka = self.configuration
        kafka.properties.merge(kafkaProperties) { _, new in new }
        return PurchaseLoader(
            configuration: configuration, kafka: kafka, databaseSettings: db.settings,
            logger: TestEnvironment.logger)
    }
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let bytes else { return try body(nil) }
    return try bytes.withUnsafeBytes { try body($0) }
}

/// Writes purchases the way the loader does (one `LoadBatch` per call, in its own transaction unless the
/// caller passes an open connection), without a broker: for rollup tests that need exact control.
struct DirectLoader {
    var topic = "purchases"

    func batch(id: Int64, _ rows: [(PurchaseEvent, partition: Int32, offset: Int64)]) -> LoadBatch {
        var batch = LoadBatch(id: id)
        for (event, partition, offset) in rows {
            batch.rows.add(event, origin: MessageOrigin(topic: topic, partition: partition, offset: offset))
        }
        return batch
    }

    /// Writes inside the caller's open transaction; the caller commits.
    func write(_ batch: LoadBatch, to db: PostgresConnection, expected: [Int32: Int64?] = [:]) throws {
        var batch = batch
        let ok = try batch.write(
            to: db, groupID: "test", offsets: OffsetStore(topic: topic, groupID: "test"), expected: expected)
        #expect(ok)
    }

    func load(
        id: Int64, _ rows: [(PurchaseEvent, partition: Int32, offset: Int64)], into db: PostgresConnection,
        expected: [Int32: Int64?] = [:]
    ) throws {
        try db.withTransaction { try write(batch(id: id, rows), to: $0, expected: expected) }
    }
}

/// Purchases with chosen times and amounts.
struct PurchaseFactory {
    var simulator = PurchaseSimulator(seed: 11)

    mutating func purchase(
        at time: String, country: String = "DE", currency: String = "EUR", quantity: Int32 = 2,
        unitPrice: String = "10.25"
    ) -> PurchaseEvent {
        var event = simulator.next(createdAt: EventTime(time)!)
        event.country = country
        event.currency = currency
        event.quantity = quantity
        event.unitPrice = Money(unitPrice, exponent: ReferenceData.minorUnit(of: currency)!)!
        event.amount = event.unitPrice.times(Int64(quantity))!
        return event
    }
}

@discardableResult
func rollup(_ db: TestDatabase, full: Bool = false, sql: String = TestEnvironment.sql) throws
    -> RollupRunner.PassResult
{
    var runner = RollupRunner(models: try RollupModel.load(from: sql), logger: TestEnvironment.logger)
    runner.full = full
    let result = try runner.runPass(try db.connect())
    #expect(result.failures.isEmpty, "\(result.failures)")
    return result
}

/// Log lines kept in memory, for tests that check what a component logged (the logging system is never
/// bootstrapped in tests).
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var messages: [String] { lines.withLock { $0 } }

    var logger: Logger { Logger(label: "test", factory: { _ in Handler(log: self) }) }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            let details = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            self.log.lines.withLock { $0.append(([message.description] + details).joined(separator: " ")) }
        }
    }
}
