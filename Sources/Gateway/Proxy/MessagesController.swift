import Foundation
import Governance
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import OpenAIWire
import Pricing
import Providers
import Routing

/// Anthropic's Messages API, `POST /v1/messages` (streamed or not) and `/v1/messages/count_tokens`,
/// for the Anthropic SDK and the agents built on it. A call goes through the same pipeline as a
/// chat completion (routing, budgets, rate limits, idempotency, metering); an Anthropic deployment
/// gets the request as the client wrote it, any other deployment a chat completion translated from
/// it, whose answer is translated back.
extension ProxyController {
    @Sendable func messages(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.collectBody(limit: maxBodyBytes)
        var messages = try Self.messagesRequest(body)
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: messages.metadataTask)
        messages.removeMetadataTask()
        var call = RoutedRequest(messages, principal: principal, task: task, prices: meter.prices.table, setup: routing.current)
        call.run = try await run(request, principal: principal)
        let headers = Self.anthropicHeaders(request)
        let logger = context.logger
        let prompt = messages.promptText
        let failureEvent: @Sendable (ProviderError) -> ByteBuffer = { failure in
            AnthropicEnvelope.failureEvent(status: 500, failure.envelope).wireBytes
        }
        return try await once(request, body: body, principal: principal, streamed: messages.isStreaming, context: context) {
            try await route(call, context: context) { [messages, providers] attempt in
                let deployment = attempt.deployment
                if deployment.kind == .anthropic {
                    if messages.isStreaming {
                        let events = try await providers.anthropic.streamMessages(messages, headers: headers, on: deployment, logger: logger)
                        return try await Self.stream(events, watch: MessagesStreamWatch(), prompt: prompt, attempt: attempt,
                                                     failureEvent: failureEvent, logger: logger)
                    }
                    let answer = try await providers.anthropic.messages(messages, headers: headers, on: deployment, logger: logger)
                    return try Self.deliver(answer, attempt: attempt, prompt: prompt, completion: Self.messageText(answer.body))
                }
                let chat = try MessagesChat.chatRequest(messages, provider: deployment.provider)
                let provider = providers.provider(for: deployment.kind)
                if messages.isStreaming {
                    return try await Self.stream(chat, through: provider, as: ChatToMessagesStream(model: deployment.model), watch: MessagesStreamWatch(),
                                                 prompt: prompt, attempt: attempt, failureEvent: failureEvent, logger: logger)
                }
                let answer = try await provider.complete(chat, on: deployment, logger: logger)
                let message = MessagesChat.message(from: answer.body, model: deployment.model)
                return try Self.deliver(UpstreamAnswer(body: message, usage: answer.usage), attempt: attempt, prompt: prompt,
                                        completion: Self.messageText(message))
            }
        }
    }

    /// `POST /v1/messages/count_tokens`: Anthropic's own count when the model is served by an
    /// Anthropic deployment, else Tollgate's estimate (a token per 4 bytes). Never billed, and not
    /// counted against rate limits.
    @Sendable func countTokens(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let messages = try Self.messagesRequest(try await request.collectBody(limit: maxBodyBytes), countingTokens: true)
        let call = RoutedRequest(messages, principal: principal, task: "default", prices: meter.prices.table, setup: routing.current)
        let candidates = try firstCandidates(call)
        let answer: [String: JSONValue]
        if let deployment = candidates.first(where: { $0.kind == .anthropic }) {
            var body = messages.body
            body["metadata"] = nil
            do {
                answer = try await providers.anthropic.countTokens(body, headers: Self.anthropicHeaders(request), on: deployment, logger: context.logger)
            } catch {
                throw GatewayError.upstream(Self.providerFailure(error, provider: deployment.provider))
            }
        } else {
            answer = ["input_tokens": .integer(Int64(TokenEstimate.tokens(in: messages.promptText)))]
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.tollgateModel] = candidates[0].model
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: WireCoding.encode(answer)))
    }

    static func messagesRequest(_ body: ByteBuffer, countingTokens: Bool = false) throws -> MessagesRequest {
        do {
            return try MessagesRequest(body: body, countingTokens: countingTokens)
        } catch {
            throw GatewayError.invalidRequest(error.message, param: error.param)
        }
    }

    /// The client's `anthropic-version` and `anthropic-beta`, for Anthropic deployments.
    static func anthropicHeaders(_ request: Request) -> [(String, String)] {
        var headers: [(String, String)] = []
        if let version = request.headers[.anthropicVersion] { headers.append(("anthropic-version", version)) }
        for beta in request.headers[values: .anthropicBeta] { headers.append(("anthropic-beta", beta)) }
        return headers
    }

    /// A Messages answer's text, for estimating its tokens when the upstream reported none.
    static func messageText(_ message: [String: JSONValue]) -> String {
        (message["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: " ")
    }
}

extension RoutedRequest {
    /// A Messages request's facts, each read from the body once.
    init(_ messages: MessagesRequest, principal: Principal, task: String, prices: PriceTable, setup: RoutingSetup) {
        var shape = RequestShape(inputBound: messages.inputTokenBound, maxOutput: messages.body["max_tokens"]?.intValue)
        shape.cacheWrites = messages.cacheControl
        self.init(principal: principal, task: task, requested: messages.requestedModel, prices: prices, setup: setup, shape: shape,
                  streamed: messages.isStreaming, images: messages.hasImages, tools: messages.hasTools, promptText: messages.promptText,
                  endUser: messages.endUser)
    }
}
