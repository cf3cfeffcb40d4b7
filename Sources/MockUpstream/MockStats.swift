import Synchronization

/// Counts the requests the mock received, per path, so tests can check how many calls reached it.
public final class MockStats: Sendable {
    private let counts = Mutex<[String: Int]>([:])

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
