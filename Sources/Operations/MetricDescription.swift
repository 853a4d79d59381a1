/// One metric a component exports: its name, the labels every series of it carries, its HELP line and,
/// for a histogram, its buckets.
///
/// Each component lists its metrics in one table, so that names, labels and help live in one place (and
/// in README's list), and `DescribedMetricsFactory` can give every metric made through swift-metrics'
/// API the HELP line that API has no room for (promtool flags a metric without one) and refuse a label
/// set the table does not name (swift-prometheus aborts on one name with two label sets).
public struct MetricDescription: Sendable {
    public let name: String
    public let labels: [String]
    public let help: String
    /// For a timer (a duration histogram); nil for counters and gauges.
    public let buckets: [Duration]?

    public init(_ name: String, labels: [String] = [], help: String, buckets: [Duration]? = nil) {
        self.name = name
        self.labels = labels
        self.help = help
        self.buckets = buckets
    }

    /// Buckets for a database transaction or a pass: 5 ms to 1 min.
    public static let secondsBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
    ]
}
