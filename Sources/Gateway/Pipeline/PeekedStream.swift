import OpenAIWire
import Providers

/// An upstream stream whose first event has been read: the handler reads it before committing the
/// answer (so a failure there can still fall back), then hands the stream to the response body,
/// which alone reads on. One owner at a time, never two: hence the unchecked `Sendable`.
final class PeekedStream: @unchecked Sendable {
    private var iterator: ChatEventStream.AsyncIterator
    private var first: SSEEvent??

    init(_ iterator: ChatEventStream.AsyncIterator) {
        self.iterator = iterator
    }

    func peek() async throws {
        first = .some(try await iterator.next())
    }

    func next() async throws -> SSEEvent? {
        if let first {
            self.first = nil
            return first
        }
        return try await iterator.next()
    }

    var usageSoFar: Usage? { iterator.usageSoFar }
}
