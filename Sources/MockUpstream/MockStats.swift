import Foundation
import NIOCore
import OpenAIWire
import Synchronization

/// Counts the requests the mock received, per path, and keeps the last body, so tests can check
/// how many calls reached it and what was forwarded, and wait for a call or a webhook to arrive.
public final class MockStats: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    private let last = Mutex<JSONValue?>(nil)
    private let lastAnswer = Mutex<ByteBuffer?>(nil)
    private let lastHeaderValues = Mutex<[String: String]>([:])
    private let traceparentValues = Mutex<[String]>([])
    private let hooks = Mutex<[JSONValue]>([])
    private let calls = Mutex<[String: Int]>([:])
    /// Tasks waiting for a condition on these stats, resumed when a record makes it true.
    private let waiters = Mutex<[UUID: Waiter]>([:])

    private struct Waiter {
        var condition: @Sendable (MockStats) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    /// Returns once `condition` holds (checked now and after every call or webhook recorded), or
    /// when the task is cancelled.
    public func wait(until condition: @escaping @Sendable (MockStats) -> Bool) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = waiters.withLock { waiters in
                    if Task.isCancelled || condition(self) { return true }
                    waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            waiters.withLock { $0.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    /// Resumes the waiters whose condition now holds.
    private func changed() {
        let ready = waiters.withLock { waiters in
            waiters.filter { $0.value.condition(self) }.keys.compactMap { waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in ready { continuation.resume() }
    }

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
        changed()
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

    func record(answer: ByteBuffer) {
        lastAnswer.withLock { $0 = answer }
    }

    /// The bytes of the last whole (not streamed) chat completion the mock answered.
    public var lastChatAnswer: ByteBuffer? { lastAnswer.withLock { $0 } }

    func record(headers: [String: String]) {
        lastHeaderValues.withLock { $0 = headers }
    }

    /// The `anthropic-*` headers of the last Messages request (names in lower case).
    public var lastHeaders: [String: String] { lastHeaderValues.withLock { $0 } }

    /// The W3C `traceparent` headers requests arrived with, oldest first.
    public var traceparents: [String] { traceparentValues.withLock { $0 } }

    func record(traceparent: String) {
        traceparentValues.withLock { $0.append(traceparent) }
    }

    public init() {}

    func record(_ path: String) {
        counts.withLock { $0[path, default: 0] += 1 }
        changed()
    }

    public var byPath: [String: Int] { counts.withLock { $0 } }

    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }

    public func reset() {
        counts.withLock { $0 = [:] }
        hooks.withLock { $0 = [] }
    }
}
