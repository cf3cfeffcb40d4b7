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

/// OpenAI's Responses API, `POST /v1/responses` (streamed or not), through the same pipeline as a
/// chat completion. A deployment that serves the API (OpenAI's, or one with `responses_api: true`)
/// gets the request as written; any other gets a chat completion translated from it, whose answer
/// is translated back. Usage (`input_tokens` with its cached part, `output_tokens` with reasoning)
/// is metered and priced like chat's.
extension ProxyController {
    @Sendable func responses(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.collectBody(limit: maxBodyBytes)
        var responses: ResponsesRequest
        do {
            responses = try ResponsesRequest(body: body)
        } catch {
            throw GatewayError.invalidRequest(error.message, param: error.param)
        }
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: responses.metadataTask)
        responses.removeMetadataTask()
        var call = RoutedRequest(responses, principal: principal, task: task, prices: meter.prices.table, setup: routing.current)
        call.run = try await run(request, principal: principal)
        let logger = context.logger
        let prompt = responses.promptText
        return try await once(request, body: body, principal: principal, streamed: responses.isStreaming, context: context) {
            try await route(call, context: context) { [responses, providers] attempt in
                let deployment = attempt.deployment
                if deployment.kind == .openAICompatible, deployment.responsesAPI {
                    if responses.isStreaming {
                        let events = try await providers.openAICompatible.streamResponses(responses, on: deployment, logger: logger)
                        return try await Self.stream(events, watch: ResponsesStreamWatch(), prompt: prompt, attempt: attempt,
                                                     failureEvent: Self.responsesFailureEvent, logger: logger)
                    }
                    let answer = try await providers.openAICompatible.responses(responses, on: deployment, logger: logger)
                    return try Self.deliver(answer, attempt: attempt, prompt: prompt, completion: Self.outputText(answer.body))
                }
                let chat = try ResponsesChat.chatRequest(responses, provider: deployment.provider)
                let provider = providers.provider(for: deployment.kind)
                if responses.isStreaming {
                    return try await Self.stream(chat, through: provider, as: ChatToResponsesStream(request: responses, model: deployment.model),
                                                 watch: ResponsesStreamWatch(), prompt: prompt, attempt: attempt,
                                                 failureEvent: Self.responsesFailureEvent, logger: logger)
                }
                let answer = try await provider.complete(chat, on: deployment, logger: logger)
                let response = ResponsesChat.response(from: answer.body, request: responses, model: deployment.model)
                return try Self.deliver(UpstreamAnswer(body: response, usage: answer.usage), attempt: attempt, prompt: prompt,
                                        completion: Self.outputText(response))
            }
        }
    }

    /// A Responses stream's failure after its first byte: an `error` event, as OpenAI sends one.
    static func responsesFailureEvent(_ failure: ProviderError) -> ByteBuffer {
        let error = failure.envelope.error
        let data: JSONValue = [
            "type": "error", "code": error.code.map(JSONValue.string) ?? .null, "message": .string(error.message),
            "param": error.param.map(JSONValue.string) ?? .null, "sequence_number": 0,
        ]
        return SSEEvent(event: "error", data: data.jsonText).wireBytes
    }

    /// A Response's output text, for estimating its tokens when the upstream reported none.
    static func outputText(_ response: [String: JSONValue]) -> String {
        (response["output"]?.arrayValue ?? []).flatMap { $0["content"]?.arrayValue ?? [] }
            .compactMap { $0["text"]?.stringValue }.joined(separator: " ")
    }
}

extension ResponsesStreamWatch: StreamWatch {
    mutating func process(_ event: SSEEvent) -> ByteBuffer? {
        observe(event)
        return sawImplausibleUsage ? nil : event.wireBytes
    }

    var usageSoFar: Usage? { nil }

    var sawImplausibleUsage: Bool { !(usage?.isPlausible ?? true) }
}

extension RoutedRequest {
    /// A Responses request's facts, each read from the body once.
    init(_ responses: ResponsesRequest, principal: Principal, task: String, prices: PriceTable, setup: RoutingSetup) {
        var shape = RequestShape(inputBound: responses.inputTokenBound, maxOutput: responses.maxOutputTokens, outputField: "max_output_tokens")
        shape.billing = BillingMode(serviceTier: responses.serviceTier, thinking: false)
        shape.longCacheRetention = responses.asksLongCacheRetention
        self.init(principal: principal, task: task, requested: responses.requestedModel, prices: prices, setup: setup, shape: shape,
                  streamed: responses.isStreaming, images: responses.hasImages, tools: responses.hasTools, promptText: responses.promptText,
                  endUser: responses.endUser)
    }
}
