import AsyncHTTPClient
import NIOCore
import OpenAIWire

/// An upstream's streamed answer as OpenAI chunk events, parsed and translated as bytes arrive.
public struct ChatEventStream: AsyncSequence, Sendable {
    public typealias Element = SSEEvent

    let body: HTTPClientResponse.Body
    let translator: any StreamTranslator
    let provider: String

    init(body: HTTPClientResponse.Body, translator: any StreamTranslator, provider: String) {
        self.body = body
        self.translator = translator
        self.provider = provider
    }

    /// The same stream with each event translated once more by `next` (a chat stream as another
    /// API's events, for one).
    public func translated(by next: some StreamTranslator) -> ChatEventStream {
        ChatEventStream(body: body, translator: ChainedTranslator(first: translator, second: next), provider: provider)
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: body.makeAsyncIterator(), translator: translator, provider: provider)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        var translator: any StreamTranslator
        let provider: String
        var parser = SSEParser()
        var ready: [SSEEvent] = []
        var readyIndex = 0
        var ended = false

        /// The usage the provider reported so far (see `StreamTranslator.usageSoFar`).
        public var usageSoFar: Usage? { translator.usageSoFar }

        public mutating func next() async throws -> SSEEvent? {
            while true {
                if readyIndex < ready.count {
                    defer { readyIndex += 1 }
                    return ready[readyIndex]
                }
                guard !ended else { return nil }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                let chunk: ByteBuffer?
                do {
                    chunk = try await body.next()
                } catch {
                    throw UpstreamHTTP.providerError(error, provider: provider, requestSent: true)
                }
                do {
                    if let chunk {
                        for event in try parser.feed(chunk) { ready += try translator.translate(event) }
                    } else {
                        ended = true
                        if let event = parser.finish() { ready += try translator.translate(event) }
                        ready += try translator.finish()
                    }
                } catch let error as ProviderError {
                    throw error
                } catch {
                    throw ProviderError.badResponse(provider, "\(error)")
                }
            }
        }
    }
}
