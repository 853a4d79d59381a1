import Foundation
import Metrics
import Prometheus
import Testing

@testable import Operations

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The operations endpoint over real HTTP on loopback: what Prometheus and a container's health check get.
@Suite struct OperationsServerTests {
    let factory = DescribedMetricsFactory(registry: PrometheusCollectorRegistry())

    func get(_ path: String, port: Int, method: String = "GET") async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    @Test func servesDescribedMetricsWithHelpAndFixedLabels() async throws {
        factory.describe([
            MetricDescription("test_rows_total", help: "Rows, for the test."),
            MetricDescription("test_items_total", labels: ["reason"], help: "Items by reason."),
            MetricDescription("test_step_seconds", help: "A step.", buckets: [.milliseconds(10), .seconds(1)]),
        ])
        Counter(label: "test_rows_total", factory: factory).increment(by: 42)
        Counter(label: "test_items_total", dimensions: [("reason", "money")], factory: factory).increment(by: 3)
        Metrics.Timer(label: "test_step_seconds", factory: factory).record(duration: .milliseconds(20))
        let server = try await OperationsServer.start(
            host: "127.0.0.1", port: 0, registry: factory.registry, readiness: Readiness(required: []))
        defer { Task { await server.stop() } }
        let (status, body) = try await get("/metrics", port: server.port)
        #expect(status == 200)
        #expect(
            body.contains(
                "# HELP test_rows_total Rows, for the test.\n# TYPE test_rows_total counter\ntest_rows_total 42\n"))
        #expect(body.contains(#"test_items_total{reason="money"} 3"#))
        #expect(body.contains(#"test_step_seconds_bucket{le="0.01"} 0"#))
        #expect(body.contains(#"test_step_seconds_bucket{le="1.0"} 1"#))
    }

    @Test func readinessFollowsItsChecksAndTheirExpiry() async throws {
        let readiness = Readiness(required: ["postgres", "kafka"])
        let server = try await OperationsServer.start(
            host: "127.0.0.1", port: 0, registry: factory.registry, readiness: readiness)
        defer { Task { await server.stop() } }
        #expect(try await get("/healthz", port: server.port) == (200, "ok\n"))
        var (status, body) = try await get("/readyz", port: server.port)
        #expect(status == 503)
        #expect(body.contains("kafka: not ready: not checked yet"))

        readiness.set("postgres", ready: true, "connected")
        readiness.set("kafka", ready: true, "connected", validFor: .milliseconds(300))
        (status, body) = try await get("/readyz", port: server.port)
        #expect(status == 200, "\(body)")
        #expect(body.hasPrefix("ready\n"))

        readiness.set("postgres", ready: false, "connection refused")
        (status, body) = try await get("/readyz", port: server.port)
        #expect(status == 503)
        #expect(body.contains("postgres: not ready: connection refused"))

        readiness.set("postgres", ready: true, "connected")
        try await Task.sleep(for: .milliseconds(400))
        (status, body) = try await get("/readyz", port: server.port)
        #expect(status == 503, "an expired check must not read as ready")
        #expect(body.contains("kafka: not ready: no recent check"))
    }

    @Test func answersOtherPathsAndMethodsWithErrors() async throws {
        let server = try await OperationsServer.start(
            host: "127.0.0.1", port: 0, registry: factory.registry, readiness: Readiness(required: []))
        defer { Task { await server.stop() } }
        #expect(try await get("/nothing", port: server.port).status == 404)
        #expect(try await get("/metrics", port: server.port, method: "POST").status == 405)
        #expect(try await get("/healthz", port: server.port, method: "HEAD").status == 200)
    }

    @Test func aPortInUseIsAnErrorNotACrash() async throws {
        let first = try await OperationsServer.start(
            host: "127.0.0.1", port: 0, registry: factory.registry, readiness: Readiness(required: []))
        defer { Task { await first.stop() } }
        await #expect(throws: (any Error).self) {
            _ = try await OperationsServer.start(
                host: "127.0.0.1", port: first.port, registry: factory.registry, readiness: Readiness(required: []))
        }
    }
}
