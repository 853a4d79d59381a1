import CoreMetrics
import Prometheus
import Synchronization

/// swift-metrics' factory over a swift-prometheus registry, with each metric's HELP line and buckets taken
/// from its `MetricDescription`.
///
/// Components count through swift-metrics' `Counter`, `Gauge` and `Timer`, as any library would; this
/// factory is what turns them into Prometheus series. A metric it has no description for is still made (a
/// dependency may count things too), without a HELP line.
public final class DescribedMetricsFactory: MetricsFactory, Sendable {
    public let registry: PrometheusCollectorRegistry
    private let descriptions = Mutex<[String: MetricDescription]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// Adds a component's table; call before making its metrics.
    public func describe(_ table: [MetricDescription]) {
        descriptions.withLock { known in
            for description in table { known[description.name] = description }
        }
    }

    /// The name as Prometheus gets it, with its help; a label set other than the described one is a
    /// programming error, caught here with the metric's name rather than deep in the registry.
    private func descriptor(_ label: String, _ dimensions: [(String, String)]) -> (MetricNameDescriptor, [Duration]?) {
        let description = descriptions.withLock { $0[label] }
        if let description {
            precondition(
                dimensions.map(\.0) == description.labels,
                "metric \(label): labels \(dimensions.map(\.0)), described as \(description.labels)")
        }
        return (
            MetricNameDescriptor(metricName: label, unitName: "", helpText: description?.help ?? ""),
            description?.buckets
        )
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label, dimensions).0, labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        registry.makeCounter(descriptor: descriptor(label, dimensions).0, labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (name, _) = descriptor(label, dimensions)
        guard aggregate else { return registry.makeGauge(descriptor: name, labels: dimensions) }
        return registry.makeValueHistogram(
            descriptor: name, labels: dimensions, buckets: [0.001, 0.01, 0.1, 1, 10, 100, 1_000, 10_000])
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label, dimensions).0, labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (name, buckets) = descriptor(label, dimensions)
        return registry.makeDurationHistogram(
            descriptor: name, labels: dimensions, buckets: buckets ?? MetricDescription.secondsBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
