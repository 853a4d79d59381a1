import NIOCore
import NIOHTTP1
import Prometheus

/// Answers the operations endpoint's three paths on one HTTP/1 connection: `/metrics` (Prometheus' text
/// format), `/healthz` (the process answers: alive) and `/readyz` (200 or 503 with one line per check).
/// The request line is all it reads; bodies are ignored.
final class OperationsHTTPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let registry: PrometheusCollectorRegistry
    let readiness: Readiness
    /// Brings gauges that are computed rather than counted (ages, say) up to date just before a scrape.
    let beforeScrape: @Sendable () -> Void

    init(registry: PrometheusCollectorRegistry, readiness: Readiness, beforeScrape: @escaping @Sendable () -> Void) {
        self.registry = registry
        self.readiness = readiness
        self.beforeScrape = beforeScrape
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let (status, contentType, body) = response(to: head)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        if head.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        guard !head.isKeepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    private func response(to head: HTTPRequestHead) -> (HTTPResponseStatus, String, [UInt8]) {
        let text = "text/plain; charset=utf-8"
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, text, Array("only GET and HEAD\n".utf8))
        }
        switch head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri {
        case "/metrics":
            beforeScrape()
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
        case "/healthz":
            return (.ok, text, Array("ok\n".utf8))
        case "/readyz":
            let (ready, lines) = readiness.report()
            let body = (ready ? "ready\n" : "not ready\n") + lines.map { $0 + "\n" }.joined()
            return (ready ? .ok : .serviceUnavailable, text, Array(body.utf8))
        default:
            return (.notFound, text, Array("not found: try /metrics, /healthz or /readyz\n".utf8))
        }
    }
}
