import PostgresNIO
import Synchronization

public typealias PostgresNIOConfiguration = PostgresClient.Configuration

/// Carries one value out of a `@Sendable` closure.
public final class Capture<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    public func set(_ newValue: Value) {
        value.withLock { $0 = newValue }
    }

    /// Runs `body` and returns the value it captured.
    public static func run(_ body: (Capture<Value>) async throws -> Void) async throws -> Value {
        let capture = Capture<Value>()
        try await body(capture)
        guard let value = capture.value.withLock({ $0 }) else { throw HarnessError("nothing was captured") }
        return value
    }
}
