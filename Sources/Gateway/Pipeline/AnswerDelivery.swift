import Hummingbird
import HTTPTypes
import Logging
import Metering
import NIOCore
import OpenAIWire
import Pricing
import Providers

/// Writing an attempt's answer to the client, and settling the attempt by how the delivery ended:
/// answered when the client gets it (the row spooled before any byte of a whole answer, before the
/// last byte of a stream), abandoned when it left, cut when the upstream or the gateway ended it. A
/// response whose body never runs settles as abandoned too (the settlement's backstop), so no exit
/// goes unbooked.
extension ProxyController {
    /// A whole answer, its `usage` carrying its cost when `pricesUsage`. The attempt is settled
    /// before the answer is sent, so its row is spooled before the client can have a byte of it
    /// (a process killed then loses no answered call); a client whose connection is gone by then
    /// (it reset or closed it while the upstream answered) is booked as having left, and nothing is
    /// sent. The answer goes out as one buffer: head, body and end in one write, as a bare proxy's.
    /// When the upstream's own bytes say all of `body` (`received`), they go out as they came with
    /// the cost spliced into `usage`, as a bare proxy would pass them, instead of being written again.
    static func deliver(
        _ body: [String: JSONValue], received: ByteBuffer? = nil, usage: TokenUsage, estimated: Bool, serviceTier: String?,
        pricesUsage: Bool, attempt: Attempt
    ) -> Response {
        let terms = attempt.terms
        let cost = terms.cost(usage, mode: terms.billing(reportedTier: serviceTier, usage: usage))
        let bytes: ByteBuffer
        if pricesUsage, let usageJSON = body["usage"], usageJSON.objectValue != nil {
            let costJSON = cost.map { JSONValue.decimal($0.amount) } ?? .null
            bytes = received.flatMap { JSONSplice.adding("cost", value: costJSON.jsonText, toMember: "usage", of: $0) } ?? {
                var body = body
                body["usage"] = StreamMeter.withCost(usageJSON, cost)
                return WireCoding.encode(JSONValue.object(body))
            }()
        } else {
            bytes = received ?? WireCoding.encode(JSONValue.object(body))
        }
        var headers = attempt.headers(settlingAt: cost)
        headers[.contentType] = "application/json"
        let outcome: AttemptOutcome = attempt.client.isActive ? .answered : Task.isCancelled ? .cutAtShutdown : .abandoned
        attempt.settlement.settle(outcome, usage: usage, usageEstimated: estimated, serviceTier: serviceTier)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }

    /// A whole upstream answer: its usage checked and read (estimated from `prompt` and
    /// `completion` when the upstream reported none), priced into the answer and settled.
    static func deliver(_ answer: UpstreamAnswer, attempt: Attempt, prompt: @autoclosure () -> String, completion: @autoclosure () -> String) throws -> Response {
        if let usage = answer.usage, !usage.isPlausible {
            throw ProviderError.badResponse(attempt.deployment.provider, "its usage has impossible token counts")
        }
        let usage = answer.usage.map(attempt.tokens) ?? TokenEstimate.usage(prompt: prompt(), completion: completion())
        return deliver(answer.body, received: answer.received, usage: usage, estimated: answer.usage == nil, serviceTier: answer.usage?.serviceTier,
                       pricesUsage: answer.usage != nil, attempt: attempt)
    }

    /// A streamed chat completion (see `stream(_:watch:prompt:attempt:failureEvent:logger:)`).
    static func stream(_ chat: ChatCompletionRequest, attempt: Attempt, provider: any ChatProvider, logger: Logger) async throws -> Response {
        var upstreamRequest = chat
        upstreamRequest.requestStreamUsage()
        let events = try await provider.stream(upstreamRequest, on: attempt.deployment, logger: logger)
        let watch = StreamMeter(clientWantsUsage: chat.clientWantsStreamUsage, price: attempt.cost)
        return try await stream(events, watch: watch, prompt: chat.promptText, attempt: attempt, failureEvent: Self.chatFailureEvent, logger: logger)
    }

    /// A chat completion streamed by `provider` and delivered as another API's events, made by
    /// `translator` from the chat chunks.
    static func stream(
        _ chat: ChatCompletionRequest, through provider: any ChatProvider, as translator: some StreamTranslator, watch: some StreamWatch,
        prompt: String, attempt: Attempt, failureEvent: @escaping @Sendable (ProviderError) -> ByteBuffer, logger: Logger
    ) async throws -> Response {
        var upstream = chat
        upstream.requestStreamUsage()
        let events = try await provider.stream(upstream, on: attempt.deployment, logger: logger).translated(by: translator)
        return try await stream(events, watch: watch, prompt: prompt, attempt: attempt, failureEvent: failureEvent, logger: logger)
    }

    /// A chat stream's failure: OpenAI's error envelope as a data event.
    static func chatFailureEvent(_ failure: ProviderError) -> ByteBuffer {
        SSEEvent(data: String(buffer: (try? WireCoding.encode(failure.envelope)) ?? ByteBuffer())).wireBytes
    }

    /// A streamed answer in any API's events: the first event is read before the answer is
    /// committed, so a failure until then can still fall back; after it the client has bytes, and
    /// the stream is pumped through `watch` to the end, priced, and settled by how it ended. A
    /// failure after the first byte reaches the client as `failureEvent` makes it.
    static func stream(
        _ events: ChatEventStream, watch: some StreamWatch, prompt promptText: String, attempt: Attempt,
        failureEvent: @escaping @Sendable (ProviderError) -> ByteBuffer, logger: Logger
    ) async throws -> Response {
        let deployment = attempt.deployment
        let upstream = PeekedStream(events.makeAsyncIterator())
        try await upstream.peek()
        attempt.metrics.firstEvent(after: attempt.terms.elapsedMilliseconds, provider: deployment.provider, model: deployment.model)
        var headers = attempt.headers()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var watch = watch
            var failure: ProviderError?
            var clientFailure: (any Error)?
            do {
                while let event = try await upstream.next() {
                    guard let bytes = watch.process(event) else {
                        if watch.sawImplausibleUsage {
                            failure = .badResponse(deployment.provider, "its usage has impossible token counts")
                            break
                        }
                        continue
                    }
                    do {
                        try await writer.write(bytes)
                    } catch {
                        clientFailure = error
                        break
                    }
                }
            } catch {
                failure = Self.providerFailure(error, provider: deployment.provider)
            }
            if failure == nil, clientFailure == nil, watch.usage == nil, !watch.finished {
                failure = .badResponse(deployment.provider, "the stream ended before the answer did")
            }

            // Settle whatever happened, once. A write that failed because the gateway cut the
            // connection at shutdown (the handler is cancelled) is a cut call, not a client that left.
            let reported = (watch.usage ?? watch.usageSoFar ?? upstream.usageSoFar).flatMap { $0.isPlausible ? attempt.tokens($0) : nil }
            if let clientFailure {
                attempt.settlement.settle(Task.isCancelled ? .cutAtShutdown : .abandoned, usage: reported, streamedOutput: watch.contentChunks)
                throw clientFailure
            }
            if let failure {
                attempt.settlement.settle(failure.kind == .cancelled ? .cutAtShutdown : .cutMidStream, usage: reported)
                logger.warning("upstream stream failed", metadata: [
                    LogKey.requestID: "\(attempt.terms.requestID)", LogKey.error: "\(failure.envelope.error.message)", LogKey.model: "\(deployment.model)", LogKey.provider: "\(deployment.provider)",
                ])
                try await writer.write(failureEvent(failure))
            } else if let usage = watch.usage {
                attempt.settlement.settle(.answered, usage: attempt.tokens(usage), serviceTier: usage.serviceTier)
            } else {
                attempt.settlement.settle(
                    .answered, usage: TokenEstimate.usage(prompt: promptText, completionTokens: watch.contentChunks), usageEstimated: true)
            }
            try await writer.finish(nil)
        })
    }
}

/// What a stream's delivery reads of the events it passes on: the bytes for the client, the
/// usage, and whether the answer ended whole.
protocol StreamWatch: Sendable {
    /// The bytes to send the client for `event`, or nil to send nothing.
    mutating func process(_ event: SSEEvent) -> ByteBuffer?
    /// The final usage, once the stream has reported it.
    var usage: Usage? { get }
    /// What the stream reported before its end, if its protocol reports any.
    var usageSoFar: Usage? { get }
    /// Whether the stream's own end marker arrived.
    var finished: Bool { get }
    /// Content deltas seen: roughly one token each, the estimate for a stream cut before its usage.
    var contentChunks: Int { get }
    /// Set when the stream's usage had impossible counts: the stream is a bad answer.
    var sawImplausibleUsage: Bool { get }
}

extension StreamMeter: StreamWatch {
    var usageSoFar: Usage? { nil }
    var finished: Bool { sawDone }
}

extension MessagesStreamWatch: StreamWatch {
    mutating func process(_ event: SSEEvent) -> ByteBuffer? {
        observe(event)
        return sawImplausibleUsage ? nil : event.wireBytes
    }

    var sawImplausibleUsage: Bool { !(usageSoFar?.isPlausible ?? true) }
}
