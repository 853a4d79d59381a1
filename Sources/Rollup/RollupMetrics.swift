import Metrics
import Operations
import PostgresClient
import RollupEngine
import Synchronization

/// The rollup's Prometheus metrics, set after each pass of `rollup run --every`.
///
/// Per-model series are labelled by model name: the files in `sql/`, a bounded set. A model whose file is
/// removed loses its gauges at the next pass.
final class RollupMetrics: Sendable {
    static let descriptions: [MetricDescription] = [
        .init(
            "rollup_passes_total", labels: ["result"],
            help:
                "Passes by result: ok, or failed (Postgres lost, or sql/ unreadable). A failing model alone still counts as ok."
        ),
        .init("rollup_pass_seconds", help: "Duration of a whole pass.", buckets: MetricDescription.secondsBuckets),
        .init(
            "rollup_model_seconds", labels: ["model"], help: "Time a model's statement took in a pass.",
            buckets: MetricDescription.secondsBuckets),
        .init(
            "rollup_windows_recomputed_total", labels: ["model"],
            help: "Windows a model's incremental passes recomputed from all their raw rows."),
        .init(
            "rollup_rebuilds_total", labels: ["model"],
            help: "Times a model was rebuilt over all its history (new, changed, --full), beside its table."),
        .init(
            "rollup_windows_added_total", labels: ["model"],
            help: "Windows a model brought up to date by adding only their new events (additive models)."),
        .init(
            "rollup_window_rows_written_total", labels: ["model"],
            help: "Summary rows (a window and its group) a model recomputed or added to."),
        .init("rollup_model_failures_total", labels: ["model"], help: "Passes in which a model failed."),
        .init(
            "rollup_late_events_total", labels: ["model"],
            help: "Events that arrived after their window had become final (each corrected the window)."),
        .init(
            "rollup_model_behind_seconds", labels: ["model"],
            help: "How long the oldest load not yet in the model has waited (0 when the model is up to date)."),
        .init(
            "rollup_model_pending_windows", labels: ["model"],
            help: "Windows with events loaded but not yet in the model (what its next pass recomputes)."),
        .init(
            "rollup_watermark_timestamp_seconds", labels: ["model"],
            help: "The model's watermark (Unix time): windows ending at or before it are final."),
        .init("rollup_last_pass_age_seconds", help: "Seconds since the last pass that completed."),
    ]

    let passesOK = Counter(label: "rollup_passes_total", dimensions: [("result", "ok")])
    let passesFailed = Counter(label: "rollup_passes_total", dimensions: [("result", "failed")])
    let passDuration = Metrics.Timer(label: "rollup_pass_seconds")
    let lastPassAge = Gauge(label: "rollup_last_pass_age_seconds")
    private let lastPass = Mutex(ContinuousClock.now)

    /// The per-model series, made on a model's first pass.
    struct ModelSeries {
        let duration: Metrics.Timer
        let recomputed: Counter
        let rebuilds: Counter
        let added: Counter
        let rows: Counter
        let failures: Counter
        let late: Counter
        let behind: Gauge
        let pending: Gauge
        let watermark: Gauge

        init(_ model: String) {
            let label = [("model", model)]
            duration = Metrics.Timer(label: "rollup_model_seconds", dimensions: label)
            recomputed = Counter(label: "rollup_windows_recomputed_total", dimensions: label)
            rebuilds = Counter(label: "rollup_rebuilds_total", dimensions: label)
            added = Counter(label: "rollup_windows_added_total", dimensions: label)
            rows = Counter(label: "rollup_window_rows_written_total", dimensions: label)
            failures = Counter(label: "rollup_model_failures_total", dimensions: label)
            late = Counter(label: "rollup_late_events_total", dimensions: label)
            behind = Gauge(label: "rollup_model_behind_seconds", dimensions: label)
            pending = Gauge(label: "rollup_model_pending_windows", dimensions: label)
            watermark = Gauge(label: "rollup_watermark_timestamp_seconds", dimensions: label)
        }

        func destroy() {
            duration.destroy()
            recomputed.destroy()
            rebuilds.destroy()
            added.destroy()
            rows.destroy()
            failures.destroy()
            late.destroy()
            behind.destroy()
            pending.destroy()
            watermark.destroy()
        }
    }

    private let models = Mutex<[String: ModelSeries]>([:])

    init() {}

    /// A pass committed: counts what it did, then reads where each model stands (one query, after the
    /// pass's transaction, so it sees what the pass left).
    func passed(_ result: RollupRunner.PassResult, models names: [String], _ db: PostgresConnection) throws {
        passesOK.increment()
        passDuration.recordMilliseconds(result.milliseconds)
        lastPass.withLock { $0 = .now }
        let standing = try db.query(
            """
            select model, extract(epoch from watermark)::float8, behind_seconds, pending_windows
            from rollup_model_standing where model = any($1::text[])
            """, [PostgresArray.text(names)])
        var read: [String: (watermark: Double?, behind: Double, pending: Int)] = [:]
        for row in 0..<standing.rowCount {
            read[try standing.value(String.self, row: row, column: 0)] = (
                try standing.optionalValue(Double.self, row: row, column: 1),
                max(0, try standing.value(Double.self, row: row, column: 2)),
                try standing.value(Int.self, row: row, column: 3)
            )
        }
        let failed = Set(result.failures.map(\.model))
        self.models.withLock { series in
            for (name, gone) in series where !names.contains(name) {
                gone.destroy()
                series[name] = nil
            }
            for name in names {
                let model = series[name] ?? ModelSeries(name)
                series[name] = model
                if let duration = result.durationByModel[name] { model.duration.record(duration: duration) }
                model.recomputed.increment(by: result.windowsByModel[name]?.recomputed ?? 0)
                model.added.increment(by: result.windowsByModel[name]?.added ?? 0)
                if result.recomputed.contains(name) { model.rebuilds.increment() }
                model.rows.increment(by: result.rowsByModel[name] ?? 0)
                model.late.increment(by: result.lateEvents[name] ?? 0)
                if failed.contains(name) { model.failures.increment() }
                if let standing = read[name] {
                    model.behind.record(standing.behind)
                    model.pending.record(standing.pending)
                    if let watermark = standing.watermark { model.watermark.record(watermark) }
                }
            }
        }
    }

    /// A pass that did not complete (Postgres lost, `sql/` unreadable).
    func failed() { passesFailed.increment() }

    /// Brings the age of the last pass up to the moment of a scrape.
    func refreshAge() {
        let since = ContinuousClock.now - lastPass.withLock { $0 }
        lastPassAge.record(since.seconds)
    }
}
