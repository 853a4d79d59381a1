import PostgresClient
import ProcessSupport
import PurchaseEvents
import Testing

@testable import Generator
@testable import Loader
@testable import Rollup
@testable import RollupEngine

/// Least privilege, shown both ways: the pipeline runs end to end under the loader's and the rollup's roles
/// (so the grants are enough), and each role is refused what it must not do (so they are not too much).
@Suite struct PrivilegeTests {
    @Test func thePipelineRunsUnderItsOwnRoles() throws {
        let db = try TestDatabase()
        let kafka = try TestKafka(partitions: 4)
        let generated = try kafka.generate {
            $0.count = 6_000
            $0.backfillMilliseconds = 10 * 60_000
            $0.duplicateFraction = 0.02
            $0.invalidFraction = 0.02
        }
        // libpq's `options` sets the role at connection start, as a login user's membership would.
        let asLoader = db.settings + " options='-c role=purchase_loader'"
        #expect(try PostgresConnection(settings: asLoader).query("select current_user").scalar == "purchase_loader")
        var configuration = LoaderConfiguration(topic: kafka.topic)
        configuration.untilCaughtUp = true
        let statistics = try PurchaseLoader(
            configuration: configuration, kafka: kafka.configuration, databaseSettings: asLoader,
            logger: TestEnvironment.logger
        ).run(stop: StopSignal())
        #expect(statistics.rows + statistics.deadLetters == 6_000)
        // The loader creates daily partitions through the definer-rights function only.
        #expect(
            try PostgresConnection(settings: asLoader).query(
                "select ensure_staging_partitions('2031-01-01', '2031-01-02')"
            ).scalar == "2")

        let rollupConnection = try PostgresConnection(settings: db.settings + " options='-c role=purchase_rollup'")
        var runner = RollupRunner(
            models: try RollupModel.load(from: TestEnvironment.sql), logger: TestEnvironment.logger)
        #expect(try runner.runPass(rollupConnection).minutesClaimed > 0)
        #expect(try db.summaryMismatches() == 0)
        #expect(try db.count("select sum(purchase_count) from purchase_summary") == generated.validPurchases)
    }

    @Test(arguments: [
        ("purchase_loader", "delete from staging_purchases"),
        ("purchase_loader", "update staging_purchases set amount = 0"),
        ("purchase_loader", "select count(*) from staging_purchases"),
        ("purchase_loader", "delete from loader_offsets"),
        ("purchase_loader", "insert into purchase_summary values (now(), now(), 'DE', 1, 1, 1.00, now())"),
        ("purchase_loader", "delete from dead_letters"),
        // A replay may mark dead letters and update their reasons, never change what was received.
        ("purchase_loader", "update dead_letters set message_value = null"),
        ("purchase_loader", "update dead_letters set kafka_offset = 0"),
        ("purchase_loader", "delete from exchange_rates"),
        ("purchase_loader", "create table intruder (x int)"),
        ("purchase_loader", "drop table staging_purchases"),
        ("purchase_rollup", "insert into staging_purchases (purchase_id) values (gen_random_uuid())"),
        ("purchase_rollup", "delete from staging_purchases"),
        ("purchase_rollup", "update loader_offsets set next_offset = 0"),
        ("purchase_rollup", "select count(*) from dead_letters"),
        // It creates and owns model tables in the dashboards' schema, and nothing else.
        ("purchase_rollup", "create table rollup_input.intruder (x int)"),
        ("purchase_rollup", "create schema intruder"),
        ("purchase_rollup", "truncate staging_purchases"),
        ("purchase_rollup", "drop table load_batches"),
        ("purchase_rollup", "alter table rollup_models add column x int"),
        ("dashboard_reader", "delete from purchase_summary"),
        ("dashboard_reader", "insert into dead_letters (reason) values ('x')"),
        ("dashboard_reader", "update exchange_rates set units_per_quote = 1"),
        ("dashboard_reader", "update reporting_currency set code = 'EUR'"),
        ("dashboard_reader", "update loader_offsets set next_offset = 0"),
        ("dashboard_reader", "select ensure_staging_partitions('2031-01-01', '2031-01-02')"),
    ])
    func eachRoleIsRefusedWhatItMustNotDo(role: String, statement: String) throws {
        let db = try TestDatabase()
        let connection = try PostgresConnection(settings: db.settings + " options='-c role=\(role)'")
        let refused = #expect(throws: PostgresError.self) { try connection.query(statement) }
        #expect(refused?.sqlState == "42501", "\(role): \(statement): \(refused?.description ?? "allowed")")
    }
}
