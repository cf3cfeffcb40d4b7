import Hummingbird
import HTTPTypes
import Logging
import Metering
import NIOCore
import OpenAIWire
import Pricing
import Providers

/// Writing an attempt's answer to the client, and settling the attempt by how the delivery ended:
/// answered when the client has it (the row spooled before its last byte), abandoned when it left, cut when the upstream or the
/// gateway ended it. A response whose body never runs settles as abandoned too (the settlement's
/// backstop), so no exit goes unbooked.
extension ProxyController {
    /// A whole answer, its `usage` carrying its cost when `pricesUsage`; the attempt is settled
    /// once the body is written.
    static func deliver(
        _ body: [String: JSONValue], usage: TokenUsage, estimated: Bool, serviceTier: String?, pricesUsage: Bool, attempt: Attempt
    ) -> Response {
        var body = body
        let terms = attempt.terms
        let cost = terms.cost(usage, mode: terms.billing(reportedTier: serviceTier, usage: usage))
        if pricesUsage, let usageJSON = body["usage"] {
            body["usage"] = StreamMeter.withCost(usageJSON, cost)
        }
        let bytes = WireCoding.encode(JSONValue.object(body))
        var headers = attempt.headers(settlingAt: cost)
        headers[.contentType] = "application/json"
        let settlement = attempt.settlement
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: bytes.readableBytes) { writer in
            // All but the last byte, then the settlement, then the last byte: the client has the
            // answer, and the row is spooled before the answer can end (a process killed then
            // loses no answered call).
            let split = max(bytes.readableBytes - 1, 0)
            let head = bytes.getSlice(at: bytes.readerIndex, length: split) ?? bytes
            let last = bytes.getSlice(at: bytes.readerIndex + split, length: bytes.readableBytes - split)
            do {
                try await writer.write(head)
            } catch {
                settlement.settle(Task.isCancelled ? .cutAtShutdown : .abandoned, usage: usage, usageEstimated: estimated,
                                  serviceTier: serviceTier)
                throw error
            }
            settlement.settle(.answered, usage: usage, usageEstimated: estimated, serviceTier: serviceTier)
            if let last, last.readableBytes > 0 { try await writer.write(last) }
            try await writer.finish(nil)
        })
    }

    /// A streamed chat completion: the first event is read before the answer is committed, so a
    /// failure until then can still fall back; after it the client has bytes, and the stream is
    /// pumped to the end, priced, and settled by how it ended.
    static func stream(_ chat: ChatCompletionRequest, attempt: Attempt, provider: any ChatProvider, logger: Logger) async throws -> Response {
        var upstreamRequest = chat
        upstreamRequest.requestStreamUsage()
        let deployment = attempt.deployment
        let events = try await provider.stream(upstreamRequest, on: deployment, logger: logger)
        let upstream = PeekedStream(events.makeAsyncIterator())
        try await upstream.peek()
        let wantsUsage = chat.clientWantsStreamUsage
        let promptText = chat.promptText
        var headers = attempt.headers()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var watch = StreamMeter(clientWantsUsage: wantsUsage, price: attempt.cost)
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
            if failure == nil, clientFailure == nil, watch.usage == nil, !watch.sawDone {
                failure = .badResponse(deployment.provider, "the stream ended before the answer did")
            }

            // Settle whatever happened, once. A write that failed because the gateway cut the
            // connection at shutdown (the handler is cancelled) is a cut call, not a client that left.
            let reported = (watch.usage ?? upstream.usageSoFar).flatMap { $0.isPlausible ? attempt.tokens($0) : nil }
            if let clientFailure {
                attempt.settlement.settle(Task.isCancelled ? .cutAtShutdown : .abandoned, usage: reported, streamedOutput: watch.contentChunks)
                throw clientFailure
            }
            if let failure {
                attempt.settlement.settle(failure.kind == .cancelled ? .cutAtShutdown : .cutMidStream, usage: reported)
                logger.warning("upstream stream failed", metadata: [
                    LogKey.error: "\(failure.envelope.error.message)", LogKey.model: "\(deployment.model)", LogKey.provider: "\(deployment.provider)",
                ])
                try await writer.write(SSEEvent(data: String(buffer: try WireCoding.encode(failure.envelope))).wireBytes)
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
