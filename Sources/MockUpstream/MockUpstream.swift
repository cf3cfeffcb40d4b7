import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAIWire

/// A real HTTP server that speaks the OpenAI, Anthropic and Gemini wire formats with deterministic
/// answers (see `MockTokens` and `MockBehaviour`), for tests, demos and benchmarks without a network.
///
/// ```swift
/// let app = MockUpstream.application(port: 0, stats: stats) { port in print(port) }
/// try await app.run()
/// ```
public enum MockUpstream {
    public static func router(stats: MockStats) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(CountingMiddleware(stats: stats))
        router.get("/health") { _, _ in "ok" }
        router.get("/mock/stats") { _, _ in
            try Response.json(.object(["total": .integer(Int64(stats.total)),
                                       "by_path": .object(stats.byPath.mapValues { .integer(Int64($0)) }),
                                       "last_body": stats.lastBody ?? .null,
                                       "last_headers": .object(stats.lastHeaders.mapValues { .string($0) })]))
        }
        router.post("/mock/webhook") { request, _ in
            stats.record(webhook: try await request.body.collect(upTo: 1 << 20))
            return HTTPResponse.Status.noContent
        }
        router.get("/mock/webhooks") { _, _ in
            try Response.json(.array(stats.webhooks))
        }
        router.post("/mock/reset") { _, _ in
            stats.reset()
            return HTTPResponse.Status.noContent
        }
        OpenAIMockRoutes(stats: stats).add(to: router)
        AnthropicMockRoutes(stats: stats).add(to: router)
        GeminiMockRoutes(stats: stats).add(to: router)
        return router
    }

    /// The mock as an application on `host:port` (port 0 picks a free port, passed to `onRunning`).
    public static func application(
        host: String = "127.0.0.1", port: Int, stats: MockStats = MockStats(), logger: Logger? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var logger = logger ?? Logger(label: "tollgate.mock-upstream")
        logger.logLevel = logger.logLevel > .notice ? logger.logLevel : .notice
        return Application(
            router: router(stats: stats),
            configuration: .init(address: .hostname(host, port: port), serverName: "tollgate-mock-upstream"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}

struct CountingMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let stats: MockStats

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if !request.uri.path.hasPrefix("/mock/") && request.uri.path != "/health" {
            stats.record(request.uri.path)
            if let traceparent = request.headers[HTTPField.Name("traceparent")!] { stats.record(traceparent: traceparent) }
        }
        return try await next(request, context)
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: try WireCoding.encode(value)))
    }
}
