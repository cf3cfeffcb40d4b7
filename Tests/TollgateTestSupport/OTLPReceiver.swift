import Foundation
import Hummingbird
import NIOCore
import OpenAIWire
import Synchronization

/// A small OTLP/HTTP receiver for tests: takes `POST /v1/traces` in OTLP's JSON encoding and keeps
/// every span it was sent.
public final class OTLPReceiver: Sendable {
    /// One received span, flattened.
    public struct Span: Sendable {
        public var name: String
        /// Trace and span ids in lower-case hex, whichever encoding the exporter used.
        public var traceID: String
        public var spanID: String
        public var parentSpanID: String
        /// OTLP's span kind: 2 server, 3 client.
        public var kind: Int
        public var attributes: [String: JSONValue]
        public var statusCode: Int

        /// An attribute as text (OTLP's JSON writes 64-bit integers as strings).
        public func text(_ key: String) -> String? {
            guard let value = attributes[key] else { return nil }
            return value["stringValue"]?.stringValue ?? value["intValue"].map { $0.stringValue ?? $0.jsonText }
                ?? value["boolValue"].map(\.jsonText) ?? value["doubleValue"].map(\.jsonText)
        }
    }

    private let received = Mutex<State>(State())

    private struct State {
        var spans: [Span] = []
        /// Callers of `wait(until:)`, resumed by the export that satisfies them (or at their deadline).
        var waiters: [UUID: (condition: @Sendable ([Span]) -> Bool, continuation: CheckedContinuation<[Span], Never>)] = [:]
    }

    public init() {}

    public var spans: [Span] { received.withLock { $0.spans } }

    func take(_ body: ByteBuffer) {
        guard let json = try? WireCoding.decode(JSONValue.self, from: body) else { return }
        var spans: [Span] = []
        for resource in json["resourceSpans"]?.arrayValue ?? [] {
            for scope in resource["scopeSpans"]?.arrayValue ?? [] {
                for span in scope["spans"]?.arrayValue ?? [] {
                    var attributes: [String: JSONValue] = [:]
                    for attribute in span["attributes"]?.arrayValue ?? [] {
                        if let key = attribute["key"]?.stringValue { attributes[key] = attribute["value"] ?? .null }
                    }
                    spans.append(Span(
                        name: span["name"]?.stringValue ?? "", traceID: Self.hex(span["traceId"]?.stringValue),
                        spanID: Self.hex(span["spanId"]?.stringValue), parentSpanID: Self.hex(span["parentSpanId"]?.stringValue),
                        kind: Self.kind(span["kind"]), attributes: attributes, statusCode: Self.kind(span["status"]?["code"])))
                }
            }
        }
        let satisfied = received.withLock { state in
            state.spans += spans
            let ready = state.waiters.filter { $0.value.condition(state.spans) }
            for id in ready.keys { state.waiters[id] = nil }
            return ready.values.map { ($0.continuation, state.spans) }
        }
        for (continuation, spans) in satisfied { continuation.resume(returning: spans) }
    }

    /// OTLP JSON writes ids as hex; protobuf's JSON mapping as base64. Either becomes hex.
    static func hex(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "" }
        if text.count % 2 == 0, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text) else { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }

    /// Enums come as numbers or as their names.
    static func kind(_ value: JSONValue?) -> Int {
        if let number = value?.intValue { return number }
        switch value?.stringValue {
        case "SPAN_KIND_SERVER": return 2
        case "SPAN_KIND_CLIENT": return 3
        case "STATUS_CODE_OK": return 1
        case "STATUS_CODE_ERROR": return 2
        default: return 0
        }
    }

    /// Runs the receiver on a free port for the duration of `body`, which gets its base URL.
    public func run<T: Sendable>(_ body: @Sendable (_ endpoint: String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            self.take(try await request.body.collect(upTo: 16 << 20))
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }, logger: TestPostgres.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            return try await body("http://127.0.0.1:\(port)")
        }
    }

    /// The spans received once `condition` holds for them, looked at as each export arrives; after
    /// 20 s without it, the spans as they are (the test's expectations then say what is missing).
    public func wait(until condition: @escaping @Sendable ([Span]) -> Bool) async -> [Span] {
        let id = UUID()
        let deadline = Task {
            try await Task.sleep(for: .seconds(20))
            let waiter = received.withLock { state in state.waiters.removeValue(forKey: id).map { ($0.continuation, state.spans) } }
            waiter?.0.resume(returning: waiter?.1 ?? [])
        }
        defer { deadline.cancel() }
        return await withCheckedContinuation { continuation in
            let now = received.withLock { state -> [Span]? in
                if condition(state.spans) { return state.spans }
                state.waiters[id] = (condition, continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
