import PostgresClient
import RollupEngine

/// The staging partitions at a glance, for `rollup status`: how far ahead they go, what sits in the default
/// partition (rows no daily partition holds: a backfill waiting to be drained, or a bad clock's event times
/// outside the horizon), the oldest raw day, and what raw retention would drop next.
struct PartitionHealth: Codable, Sendable, Equatable {
    /// Whole days after today (UTC) that have a partition; negative when even today has none.
    var daysAhead: Int?
    var defaultPartitionRows: Int
    var defaultPartitionOldest: String?
    var defaultPartitionNewest: String?
    /// The oldest daily partition's day.
    var oldestPartitionDay: String?
    /// Where raw retention kept the history from, if it ever dropped anything.
    var keptFrom: String?
    /// The partitions raw retention would drop at its next step (with `--raw-retention`), and why it would
    /// wait instead, if it would.
    var retentionWouldDrop: [String] = []
    var retentionWaiting: String?

    static func read(
        _ settings: PartitionMaintenance.Settings, _ models: ModelSet, _ db: PostgresConnection
    ) throws -> PartitionHealth {
        let days = try db.query(
            """
            select (select max(day) - current_date_utc from \(PartitionMaintenance.dailyPartitions)),
                   (select min(day)::text from \(PartitionMaintenance.dailyPartitions)),
                   (select count(*) from staging_purchases_default),
                   (select \(ModelStatus.utc("min(created_at)")) from staging_purchases_default),
                   (select \(ModelStatus.utc("max(created_at)")) from staging_purchases_default),
                   (select \(ModelStatus.utc("kept_from")) from staging_retention)
            from \(PartitionMaintenance.today)
            """)
        var health = PartitionHealth(
            daysAhead: try days.optionalValue(Int.self, row: 0, column: 0),
            defaultPartitionRows: try days.value(Int.self, row: 0, column: 2),
            defaultPartitionOldest: try days.optionalValue(String.self, row: 0, column: 3),
            defaultPartitionNewest: try days.optionalValue(String.self, row: 0, column: 4),
            oldestPartitionDay: try days.optionalValue(String.self, row: 0, column: 1),
            keptFrom: try days.optionalValue(String.self, row: 0, column: 5))
        if let retention = settings.rawRetentionDays {
            let (cutoff, due) = try PartitionMaintenance.retentionDue(days: retention, db)
            health.retentionWouldDrop = due
            if !due.isEmpty {
                health.retentionWaiting = try PartitionMaintenance.notRolledUp(before: cutoff, models, db)
            }
        }
        return health
    }

    /// A few lines for people.
    var text: String {
        var lines = [
            "staging partitions: \(daysAhead.map { "\($0) days ahead" } ?? "none"), oldest day \(oldestPartitionDay ?? "-")"
                + (keptFrom.map { ", raw history kept from \($0)" } ?? ""),
            "default partition: \(defaultPartitionRows) rows"
                + (defaultPartitionOldest.map { " (event times \($0) to \(defaultPartitionNewest ?? $0))" } ?? ""),
        ]
        if !retentionWouldDrop.isEmpty {
            lines.append(
                "raw retention would drop: \(retentionWouldDrop.joined(separator: ", "))"
                    + (retentionWaiting.map { "; it waits: \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
