import ArgumentParser
import Foundation
import KafkaClient
import Logging
import PostgresClient
import ProcessSupport

/// `loader lag`: per partition, the topic's high watermark (from Kafka), the next offset the loader stored
/// (from Postgres) and the difference, without joining the consumer group, so asking never disturbs the
/// loaders (a join would rebalance them).
struct LagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Show, per partition, the high watermark, the loader's stored offset and the lag.",
        discussion: """
            Reads the watermarks from Kafka and the stored offsets (loader_offsets) from Postgres, without \
            joining the group. A partition the loader never loaded shows no stored offset, and its lag is \
            everything the topic still holds there (high minus low watermark).
            """)

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Flag(help: "One JSON object: `partitions` (one object each) and `total_lag`.")
    var json = false

    typealias Row = LagReader.Row

    /// What `--json` prints.
    struct Report: Codable, Equatable {
        var topic: String
        var partitions: [Row]
        var totalLag: Int64

        enum CodingKeys: String, CodingKey {
            case topic, partitions
            case totalLag = "total_lag"
        }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "loader")
        do {
            let report = try Self.read(
                kafka: kafka.configuration, topic: kafka.topic, database: database.settings, logger: logger)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print("topic \(report.topic)")
            print(
                "partition".padding(toLength: 11, withPad: " ", startingAt: 0) + "high watermark".leftPadded(16)
                    + "stored offset".leftPadded(16) + "lag".leftPadded(12))
            for row in report.partitions {
                print(
                    "\(row.partition)".padding(toLength: 11, withPad: " ", startingAt: 0) + "\(row.high)".leftPadded(16)
                        + (row.stored.map(String.init) ?? "-").leftPadded(16) + "\(row.lag)".leftPadded(12))
            }
            print("total lag \(report.totalLag)")
        } catch {
            ExitMessage.fail("loader lag", error)
        }
    }

    /// Asks both sides, once.
    static func read(kafka: KafkaConfiguration, topic: String, database: String, logger: Logger) throws -> Report {
        let rows = try LagReader(kafka: kafka, topic: topic, database: database, logger: logger).read()
        return Report(topic: topic, partitions: rows, totalLag: rows.reduce(0) { $0 + $1.lag })
    }
}

extension String {
    /// Right-aligned in `width` columns, for the table's numbers.
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
