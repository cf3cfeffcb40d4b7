import Foundation
import Governance
import Hummingbird
import HTTPTypes
import Logging
import Metering
import NIOCore
import OpenAIWire
import Pricing
import Providers

/// The OpenAI-compatible endpoints: chat completions (streamed or not), embeddings and the models
/// a key may use. Every call passes the rate limits and budgets before it reaches an upstream.
struct ProxyController {
    let catalog: ProviderCatalog
    let providers: ProviderSet
    let meter: UsageMeter
    let budgets: BudgetService
    let maxBodyBytes: Int

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.post("chat/completions", use: chat)
        group.post("embeddings", use: embeddings)
        group.get("models", use: models)
    }

    // MARK: Chat

    @Sendable func chat(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var chat: ChatCompletionRequest
        do {
            chat = try ChatCompletionRequest(body: try await request.collectBody(limit: maxBodyBytes))
        } catch let error as WireError {
            throw GatewayError.invalidRequest(error.message, param: error.param)
        }
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: chat.metadataTask)
        chat.removeMetadataTask()
        let requested = chat.model
        _ = try resolve(requested, for: principal)
        let hold = try await admit(
            principal, model: requested, inputBound: chat.inputTokenBound, maxOutput: chat.maxOutputTokens,
            tokens: principal.key.tpmLimit == nil ? 0 : TokenEstimate.tokens(in: chat.promptText) + (chat.maxOutputTokens ?? 0))
        let call = ProxiedCall(
            requestID: context.requestID, principal: principal, task: task, requestedModel: requested,
            deployment: try deployment(for: hold), streamed: chat.isStreaming, downgradedFrom: hold.downgradedFrom,
            budgetPeriodStart: hold.periodStart, startedAt: budgets.clock())
        // Metadata goes on the log lines that need it: setting it on the logger costs every request.
        let logger = context.logger

        if chat.isStreaming {
            return try await stream(chat, call: call, hold: hold, logger: logger)
        }
        defer { hold.release() }
        let answer: UpstreamAnswer
        do {
            answer = try await providers.provider(for: call.deployment.kind).complete(chat, on: call.deployment, logger: logger)
        } catch let error as ProviderError {
            recordFailure(error, call: call)
            throw GatewayError.upstream(error)
        }
        var body = answer.body
        let usage = answer.usage.map(UsageMeter.tokenUsage)
            ?? TokenEstimate.usage(prompt: chat.promptText, completion: Self.completionText(body))
        let cost = meter.cost(model: call.deployment.model, usage: usage, at: call.startedAt)
        if let usageJSON = body["usage"], answer.usage != nil {
            body["usage"] = StreamMeter.withCost(usageJSON, cost)
        }
        hold.settle(cost: cost, tokensUsed: usage.input + usage.output)
        meter.record(call, usage: usage, cost: cost, status: 200, estimated: answer.usage == nil)
        return try Self.json(.object(body), call: call, hold: hold)
    }

    private func stream(_ chat: ChatCompletionRequest, call: ProxiedCall, hold: BudgetHold, logger: Logger) async throws -> Response {
        var upstreamRequest = chat
        upstreamRequest.requestStreamUsage()
        let events: ChatEventStream
        do {
            events = try await providers.provider(for: call.deployment.kind).stream(upstreamRequest, on: call.deployment, logger: logger)
        } catch {
            hold.release()
            if let error = error as? ProviderError {
                recordFailure(error, call: call)
                throw GatewayError.upstream(error)
            }
            throw error
        }
        let meter = self.meter
        let wantsUsage = chat.clientWantsStreamUsage
        var headers = Self.headers(call, hold: hold)
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var watch = StreamMeter(clientWantsUsage: wantsUsage) { usage in
                meter.cost(model: call.deployment.model, usage: UsageMeter.tokenUsage(usage), at: call.startedAt)
            }
            var upstreamFailure: ProviderError?
            var clientFailure: (any Error)?
            do {
                for try await event in events {
                    guard let bytes = watch.process(event) else { continue }
                    do {
                        try await writer.write(bytes)
                    } catch {
                        clientFailure = error
                        break
                    }
                }
            } catch let error as ProviderError {
                upstreamFailure = error
            } catch {
                upstreamFailure = .badResponse(call.deployment.provider, "\(error)")
            }

            // Settle whatever happened: usage as reported, else estimated from what was streamed.
            let usage = watch.usage.map(UsageMeter.tokenUsage)
                ?? TokenEstimate.usage(prompt: chat.promptText, completionTokens: watch.contentChunks)
            let cost = meter.cost(model: call.deployment.model, usage: usage, at: call.startedAt)
            hold.settle(cost: cost, tokensUsed: usage.input + usage.output)
            meter.record(call, usage: usage, cost: cost, status: 200, estimated: watch.usage == nil)

            if let clientFailure { throw clientFailure }
            if let upstreamFailure {
                logger.warning("upstream stream failed", metadata: [
                    LogKey.error: "\(upstreamFailure.envelope.error.message)", LogKey.model: "\(call.deployment.model)",
                    LogKey.provider: "\(call.deployment.provider)",
                ])
                try await writer.write(SSEEvent(data: String(buffer: try WireCoding.encode(upstreamFailure.envelope))).wireBytes)
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Embeddings

    @Sendable func embeddings(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let embeddings: EmbeddingsRequest
        do {
            embeddings = try EmbeddingsRequest(body: try await request.collectBody(limit: maxBodyBytes))
        } catch let error as WireError {
            throw GatewayError.invalidRequest(error.message, param: error.param)
        }
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: nil)
        _ = try resolve(embeddings.model, for: principal)
        let text = Self.embeddingText(embeddings.body["input"])
        let hold = try await admit(principal, model: embeddings.model, inputBound: text.utf8.count + 16, maxOutput: 0,
                                   tokens: TokenEstimate.tokens(in: text))
        defer { hold.release() }
        let call = ProxiedCall(
            requestID: context.requestID, principal: principal, task: task, requestedModel: embeddings.model,
            deployment: try deployment(for: hold), streamed: false, downgradedFrom: hold.downgradedFrom,
            budgetPeriodStart: hold.periodStart, startedAt: budgets.clock())
        let answer: UpstreamAnswer
        do {
            answer = try await providers.provider(for: call.deployment.kind).embed(embeddings, on: call.deployment, logger: context.logger)
        } catch let error as ProviderError {
            recordFailure(error, call: call)
            throw GatewayError.upstream(error)
        }
        var body = answer.body
        let inputTokens = answer.body["usage"]?["prompt_tokens"]?.intValue
        let usage = TokenUsage(uncachedInput: inputTokens ?? TokenEstimate.tokens(in: text))
        let cost = meter.cost(model: call.deployment.model, usage: usage, at: call.startedAt)
        if let usageJSON = body["usage"] {
            body["usage"] = StreamMeter.withCost(usageJSON, cost)
        }
        hold.settle(cost: cost, tokensUsed: usage.input)
        meter.record(call, usage: usage, cost: cost, status: 200, estimated: inputTokens == nil)
        return try Self.json(.object(body), call: call, hold: hold)
    }

    // MARK: Models

    @Sendable func models(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let data: [JSONValue] = catalog.models.filter(principal.key.allows(model:)).compactMap { name in
            guard let deployment = catalog.deployment(for: name) else { return nil }
            return ["id": .string(name), "object": "model", "created": 0, "owned_by": .string(deployment.provider)]
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: try WireCoding.encode(JSONValue.object(["object": "list", "data": .array(data)]))))
    }

    // MARK: Admission

    /// Rate limits and budgets: reserves the request's upper cost estimate, which prices
    /// `inputBound` prompt tokens and `maxOutput` (else the model's output cap) output tokens.
    func admit(_ principal: Principal, model: String, inputBound: Int, maxOutput: Int?, tokens: Int) async throws -> BudgetHold {
        let now = budgets.clock()
        let prices = meter.prices
        // Only downgrade to a model this gateway can serve.
        let downgrades = principal.team.downgrades.filter { catalog.deployment(for: $0.value) != nil }
        return try await budgets.admit(principal, model: model, tokens: tokens, downgrades: downgrades) { candidate in
            guard let price = prices.price(for: candidate, at: now) else { return nil }
            let output = maxOutput ?? price.maxOutputTokens ?? 4096
            return price.cost(for: TokenUsage(uncachedInput: inputBound, output: output))
        }
    }

    /// The deployment for the model admission chose to serve.
    func deployment(for hold: BudgetHold) throws -> Deployment {
        guard let deployment = catalog.deployment(for: hold.servedModel) else {
            hold.release()
            throw GatewayError.modelNotFound(hold.servedModel)
        }
        return deployment
    }

    // MARK: Helpers

    /// The deployment for `model`, if the key may use it and the gateway serves it.
    func resolve(_ model: String, for principal: Principal) throws -> Deployment {
        guard principal.key.allows(model: model) else {
            throw GatewayError.modelNotAllowed(model, key: principal.key.name)
        }
        guard let deployment = catalog.deployment(for: model) else {
            let hint = catalog.disabledProviders[model].map { " Its provider is off: set \($0) on the gateway." } ?? ""
            throw GatewayError.modelNotFound(model, hint: hint)
        }
        return deployment
    }

    /// Records a call the upstream refused or dropped: it reached the upstream, so it gets a row.
    func recordFailure(_ error: ProviderError, call: ProxiedCall) {
        let status: Int
        switch error.kind {
        case .unreachable, .unsupported: return
        case .upstreamStatus(let code): status = code
        case .timeout: status = 504
        case .badResponse: status = 502
        }
        meter.record(call, usage: .zero, cost: meter.cost(model: call.deployment.model, usage: .zero, at: call.startedAt), status: status)
    }

    /// The task from `X-Tollgate-Task`, else `metadata.task`, else `default`.
    static func task(header: String?, metadata: String?) throws -> String {
        let task = header ?? metadata ?? "default"
        guard !task.isEmpty, task.utf8.count <= 100, task.utf8.allSatisfy(Self.isTaskByte) else {
            throw GatewayError.invalidRequest(
                "The task must be 1 to 100 characters of letters, digits and - _ . : /.", param: "metadata.task", code: "invalid_task")
        }
        return task
    }

    /// ASCII letters, digits and `- _ . : /`.
    private static func isTaskByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"): true
        default: false
        }
    }

    static func headers(_ call: ProxiedCall, hold: BudgetHold) -> HTTPFields {
        var headers = HTTPFields()
        headers[.tollgateModel] = call.deployment.model
        if let from = call.downgradedFrom { headers[.tollgateDowngradedFrom] = from }
        if let remaining = hold.remaining { headers[.tollgateBudgetRemaining] = remaining.rounded(scale: 6).decimalString }
        return headers
    }

    static func json(_ value: JSONValue, call: ProxiedCall, hold: BudgetHold) throws -> Response {
        var headers = headers(call, hold: hold)
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: try WireCoding.encode(value)))
    }

    static func completionText(_ body: [String: JSONValue]) -> String {
        (body["choices"]?.arrayValue ?? []).compactMap { $0["message"]?["content"]?.stringValue }.joined(separator: " ")
    }

    static func embeddingText(_ input: JSONValue?) -> String {
        if let text = input?.stringValue { return text }
        return (input?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " ")
    }
}

extension TollgateRequestContext {
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw GatewayError.unauthorized("Missing API key.") }
        return principal
    }
}
