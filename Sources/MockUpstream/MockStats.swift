import NIOCore
import OpenAIWire
import Synchronization

/// Counts the requests the mock received, per path, and keeps the last body, so tests can check
/// how many calls reached it and what was forwarded.
public final class MockStats: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    private let last = Mutex<JSONValue?>(nil)
    private let hooks = Mutex<[JSONValue]>([])
    private let calls = Mutex<[String: Int]>([:])

    /// Counts a call to `model` and returns its number (1 for the first).
    func nextCall(to model: String) -> Int {
        calls.withLock { calls in
            calls[model, default: 0] += 1
            return calls[model]!
        }
    }

    func record(webhook body: ByteBuffer) {
        let value = (try? WireCoding.decode(JSONValue.self, from: body)) ?? .string(String(buffer: body))
        hooks.withLock { $0.append(value) }
    }

    /// The bodies posted to `/mock/webhook`, oldest first.
    public var webhooks: [JSONValue] { hooks.withLock { $0 } }

    /// The webhook's URL for a mock whose OpenAI base URL is `base`.
    public func webhookURL(base: String) -> String {
        (base.hasSuffix("/v1") ? String(base.dropLast(3)) : base) + "/mock/webhook"
    }

    func record(body: ByteBuffer) {
        last.withLock { $0 = try? WireCoding.decode(JSONValue.self, from: body) }
    }

    /// The JSON body of the last chat or embeddings request.
    public var lastBody: JSONValue? { last.withLock { $0 } }

    public init() {}

    func record(_ path: String) {
        counts.withLock { $0[path, default: 0] += 1 }
    }

    public var byPath: [String: Int] { counts.withLock { $0 } }

    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }

    public func reset() {
        counts.withLock { $0 = [:] }
        hooks.withLock { $0 = [] }
    }
}
