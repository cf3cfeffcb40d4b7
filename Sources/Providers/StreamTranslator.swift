import OpenAIWire

/// Turns a provider's stream events into OpenAI chunk events, keeping whatever state the
/// provider's protocol needs between events.
public protocol StreamTranslator: Sendable {
    mutating func translate(_ event: SSEEvent) throws -> [SSEEvent]
    /// Called once when the upstream closes the stream; returns any events still owed.
    mutating func finish() throws -> [SSEEvent]
    /// The usage the provider has reported before its final usage, if its protocol sends any
    /// (Anthropic's `message_start`, Gemini's cumulative `usageMetadata`): what a stream that ends
    /// early is billed from.
    var usageSoFar: Usage? { get }
}

extension StreamTranslator {
    public var usageSoFar: Usage? { nil }
}

/// The translator for upstreams that already speak OpenAI's stream format.
public struct PassThroughTranslator: StreamTranslator {
    public init() {}
    public func translate(_ event: SSEEvent) -> [SSEEvent] { [event] }
    public func finish() -> [SSEEvent] { [] }
}

/// Two translators in a row: `second` reads what `first` makes. The usage so far is `first`'s,
/// the upstream's own report.
struct ChainedTranslator: StreamTranslator {
    var first: any StreamTranslator
    var second: any StreamTranslator

    mutating func translate(_ event: SSEEvent) throws -> [SSEEvent] {
        var out: [SSEEvent] = []
        for made in try first.translate(event) { out += try second.translate(made) }
        return out
    }

    mutating func finish() throws -> [SSEEvent] {
        var out: [SSEEvent] = []
        for made in try first.finish() { out += try second.translate(made) }
        return out + (try second.finish())
    }

    var usageSoFar: Usage? { first.usageSoFar }
}
