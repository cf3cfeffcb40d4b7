import Hummingbird
import MockUpstream

/// Runs the mock upstream on a free port for the duration of `body`.
public func withMockUpstream<T: Sendable>(
    stats: MockStats = MockStats(), _ body: @Sendable (_ baseURL: String, _ stats: MockStats) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = MockUpstream.application(port: 0, stats: stats, logger: TestPostgres.logger) { port in
        continuation.yield(port)
        continuation.finish()
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return try await body("http://127.0.0.1:\(port)/v1", stats)
    }
}
