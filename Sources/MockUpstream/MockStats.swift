import NIOCore
import OpenAIWire
import Synchronization

/// Counts the requests the mock received, per path, and keeps the last body, so tests can check
/// how many calls reached it and what was forwarded.
public final class MockStats: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    private let last = Mutex<JSONValue?>(nil)

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
    }
}
