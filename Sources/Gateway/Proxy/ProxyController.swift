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
import Routing

/// The OpenAI-compatible endpoints: chat completions (streamed or not), embeddings and the models
/// a key may use. Every call passes the rate limits and budgets before it reaches an upstream.
struct ProxyController {
    let routing: RoutingBook
    let providers: ProviderSet
    let meter: UsageMeter
    let budgets: BudgetService
    let maxBodyBytes: Int

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.post("chat/completions", use: chat)
        group.post("embeddings", use: embeddings)
        group.get("models", use: models)
        group.post("cost/estimate", use: estimate)
    }

    // MARK: Chat

    @Sendable func chat(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var chat = try await chatRequest(request)
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: chat.metadataTask)
        chat.removeMetadataTask()
        // One price table and one routing setup for the whole call: a change made meanwhile
        // applies from the next call.
        let call = RoutedRequest(chat, principal: principal, task: task, prices: meter.prices.table, setup: routing.current)
        // Metadata goes on the log lines that need it: setting it on the logger costs every request.
        let logger = context.logger
        // The adapters send each deployment's own model name: the body is forwarded as it is.
        return try await route(call, context: context) { [chat] attempt in
            let provider = providers.provider(for: attempt.call.deployment.kind)
            if chat.isStreaming {
                return try await stream(chat, attempt: attempt, provider: provider, logger: logger)
            }
            let answer = try await provider.complete(chat, on: attempt.call.deployment, logger: logger)
            if let usage = answer.usage, !usage.isPlausible {
                throw ProviderError.badResponse(attempt.call.deployment.provider, "its usage has impossible token counts")
            }
            var body = answer.body
            let usage = answer.usage.map { UsageMeter.tokenUsage($0, longRetention: attempt.call.longCacheRetention) }
                ?? TokenEstimate.usage(prompt: chat.promptText, completion: Self.completionText(body))
            let cost = attempt.completed(usage, serviceTier: answer.usage?.serviceTier, estimated: answer.usage == nil)
            if let usageJSON = body["usage"], answer.usage != nil {
                body["usage"] = StreamMeter.withCost(usageJSON, cost)
            }
            return try Self.json(.object(body), call: attempt.call, hold: attempt.hold)
        }
    }

    private func stream(_ chat: ChatCompletionRequest, attempt: AttemptSettlement, provider: any ChatProvider, logger: Logger) async throws -> Response {
        var upstreamRequest = chat
        upstreamRequest.requestStreamUsage()
        let call = attempt.call
        let events = try await provider.stream(upstreamRequest, on: call.deployment, logger: logger)
        // The first event is read before the answer is committed: until then a failure can still
        // fall back to another deployment; after it, the client has bytes and none can.
        let upstream = PeekedStream(events.makeAsyncIterator())
        try await upstream.peek()
        let meter = self.meter
        let wantsUsage = chat.clientWantsStreamUsage
        let promptText = chat.promptText
        var headers = Self.headers(call, hold: attempt.hold)
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var watch = StreamMeter(clientWantsUsage: wantsUsage) { usage in
                let tokens = UsageMeter.tokenUsage(usage, longRetention: call.longCacheRetention)
                let billing = meter.billing(call, reportedTier: usage.serviceTier, usage: tokens)
                return meter.cost(call, usage: tokens, mode: billing)
            }
            var failure: ProviderError?
            var clientFailure: (any Error)?
            do {
                while let event = try await upstream.next() {
                    guard let bytes = watch.process(event) else {
                        if watch.sawImplausibleUsage {
                            failure = .badResponse(call.deployment.provider, "its usage has impossible token counts")
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
                failure = Self.providerFailure(error, provider: call.deployment.provider)
            }
            if failure == nil, clientFailure == nil, watch.usage == nil, !watch.sawDone {
                failure = .badResponse(call.deployment.provider, "the stream ended before the answer did")
            }

            // Settle whatever happened, once. A write that failed because the gateway cut the
            // connection at shutdown (the handler is cancelled) is a cut call, not a client that left.
            if let clientFailure, Task.isCancelled {
                attempt.failed(.cancelled(call.deployment.provider, requestSent: true),
                               reported: watch.usage ?? upstream.usageSoFar, streamedOutput: watch.contentChunks)
                throw clientFailure
            }
            if let clientFailure {
                attempt.abandoned(reported: watch.usage ?? upstream.usageSoFar, streamedOutput: watch.contentChunks)
                throw clientFailure
            }
            if let failure {
                attempt.failed(failure, reported: upstream.usageSoFar)
                logger.warning("upstream stream failed", metadata: [
                    LogKey.error: "\(failure.envelope.error.message)", LogKey.model: "\(call.deployment.model)",
                    LogKey.provider: "\(call.deployment.provider)",
                ])
                try await writer.write(SSEEvent(data: String(buffer: try WireCoding.encode(failure.envelope))).wireBytes)
            } else if let usage = watch.usage {
                attempt.completed(UsageMeter.tokenUsage(usage, longRetention: call.longCacheRetention), serviceTier: usage.serviceTier, estimated: false)
            } else {
                attempt.completed(TokenEstimate.usage(prompt: promptText, completionTokens: watch.contentChunks), estimated: true)
            }
            try await writer.finish(nil)
        })
    }

    /// Any error of an upstream call as a `ProviderError`: providers throw those, and a task
    /// cancelled mid-call is a call the gateway cut at shutdown (a client that leaves does not
    /// cancel its handler; its failed write says so instead).
    static func providerFailure(_ error: any Error, provider: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if error is CancellationError || Task.isCancelled { return .cancelled(provider, requestSent: true) }
        return .badResponse(provider, "the answer could not be read")
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
        let call = RoutedRequest(
            principal: principal, task: task, requested: embeddings.model, prices: meter.prices.table, setup: routing.current,
            shape: RequestShape(inputBound: embeddings.inputTokenBound, maxOutput: 0), streamed: false,
            needs: RequestNeeds(), rateTokens: embeddings.inputTokenBound)
        return try await route(call, context: context) { attempt in
            let answer = try await providers.provider(for: attempt.call.deployment.kind).embed(embeddings, on: attempt.call.deployment, logger: context.logger)
            var body = answer.body
            let reported = body["usage"]?["prompt_tokens"].map(Usage.count)
            if let reported, !(0...Usage.maxPlausibleTokens).contains(reported) {
                throw ProviderError.badResponse(attempt.call.deployment.provider, "its usage has impossible token counts")
            }
            let usage = TokenUsage(uncachedInput: reported ?? embeddings.inputTokenBound)
            let cost = attempt.completed(usage, estimated: reported == nil)
            // An upstream that reports no usage (Gemini may not) is answered with what was billed:
            // the input's bound, as OpenAI's answer always carries `usage`.
            let billed = JSONValue.integer(Int64(usage.input))
            body["usage"] = StreamMeter.withCost(body["usage"] ?? ["prompt_tokens": billed, "total_tokens": billed], cost)
            return try Self.json(.object(body), call: attempt.call, hold: attempt.hold)
        }
    }

    // MARK: Models

    @Sendable func models(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let prices = meter.prices.table
        let setup = routing.current
        var data: [JSONValue] = setup.catalog.models(prices: prices, at: budgets.clock()).filter(principal.key.allows(model:)).compactMap { name in
            guard let deployment = setup.catalog.deployment(for: name, prices: prices) else { return nil }
            return ["id": .string(name), "object": "model", "created": 0, "owned_by": .string(deployment.provider)]
        }
        // Routing's names: `auto` when any route exists, and each alias whose model the key may use.
        if !setup.table.routes.isEmpty || !(principal.team.routes?.isEmpty ?? true) {
            data.append(["id": .string(RoutingTable.auto), "object": "model", "created": 0, "owned_by": "tollgate"])
        }
        for alias in setup.table.aliases.keys.sorted() where principal.key.allows(model: alias) || principal.key.allows(model: setup.table.resolve(alias)) {
            data.append(["id": .string(alias), "object": "model", "created": 0, "owned_by": "tollgate"])
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: WireCoding.encode(JSONValue.object(["object": "list", "data": .array(data)]))))
    }

    // MARK: Admission

    /// Rate limits and budgets: reserves the cost of the request's token bound on the model
    /// admission picks (the requested one, or its downgrade). A fallback hop is admitted against
    /// the budgets again but not counted against the rate limits again.
    func admit(
        _ principal: Principal, model: String, provider: String, shape: RequestShape, tokens: Int, prices: PriceTable,
        setup: RoutingSetup, firstHop: Bool = true
    ) async throws -> BudgetHold {
        guard meter.recorder.acceptsCalls else { throw GatewayError.meteringUnavailable }
        let (downgrades, estimate) = admission(principal, model: model, provider: provider, shape: shape, prices: prices, setup: setup)
        return try await budgets.admit(
            principal, model: model, tokens: firstHop ? tokens : 0, downgrades: downgrades, estimate: estimate, countsAgainstRateLimits: firstHop)
    }

    /// What admission decides with, for a call and for its preview alike: the team's downgrade
    /// map (models this gateway serves), and the upper cost estimate of the request on a model
    /// (nil when unpriced), its provider's multiplier applied.
    func admission(
        _ principal: Principal, model: String, provider: String, shape: RequestShape, prices: PriceTable, setup: RoutingSetup
    ) -> (downgrades: [String: String], estimate: @Sendable (String) -> Money?) {
        let now = budgets.clock()
        let catalog = setup.catalog
        let multipliers = setup.multipliers
        let downgrades = principal.team.downgrades.filter { catalog.deployment(for: $0.value, prices: prices) != nil }
        return (downgrades, { candidate in
            guard let price = prices.price(for: candidate, at: now) else { return nil }
            // Thinking output is never cheaper than plain output: the bound assumes it.
            let mode = BillingMode(serviceTier: shape.billing.serviceTier, thinking: true)
            let provider = candidate == model ? provider : catalog.deployment(for: candidate, prices: prices)?.provider ?? price.provider
            return UsageMeter.applying(multipliers[provider], to: price.cost(for: shape.bound(outputCap: price.maxOutputTokens), mode: mode))
        })
    }

    // MARK: Cost preview

    /// `POST /v1/cost/estimate`: what a chat completion would be admitted as, from the same
    /// admission code, without calling an upstream, reserving, or counting against rate limits.
    @Sendable func estimate(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let chat = try await chatRequest(request)
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: chat.metadataTask)
        let call = RoutedRequest(chat, principal: principal, task: task, prices: meter.prices.table, setup: routing.current)
        let (prices, setup, shape) = (call.prices, call.setup, call.shape)
        // The first model the call would try: the route's, past those that cannot take it.
        var firstError: (any Error)?
        var chosen: Deployment?
        for model in try plan(setup, requested: call.requested, task: task, principal: principal).models {
            do {
                chosen = try deployments(of: model, for: call).first
                break
            } catch {
                firstError = firstError ?? error
            }
        }
        guard let deployment = chosen else { throw firstError ?? GatewayError.modelNotFound(chat.model) }
        let (downgrades, estimate) = admission(
            principal, model: deployment.model, provider: deployment.provider, shape: shape, prices: prices, setup: setup)
        let decision = try await budgets.preview(principal, model: deployment.model, downgrades: downgrades, estimate: estimate)
        var served = deployment.model
        let verdict: String
        var reason: JSONValue = .null
        switch decision {
        case .allow:
            verdict = "allow"
        case .downgrade(let cheaper, let scope):
            served = cheaper
            verdict = "downgrade"
            reason = .string("\(scope.kind.rawValue) '\(scope.name)' is past its soft limit of $\(scope.softLimit ?? .zero): \(deployment.model) is served as \(cheaper).")
        case .reject(let rejection):
            verdict = "reject"
            reason = .string(GatewayError.budgetExceeded(rejection, now: budgets.clock()).envelope.error.message)
        }
        let bound = shape.bound(outputCap: prices.price(for: served, at: budgets.clock())?.maxOutputTokens)
        let body: JSONValue = [
            "object": "cost.estimate", "model": .string(chat.requestedModel ?? RoutingTable.auto), "served_model": .string(served),
            "estimate_usd": estimate(served).map { .decimal($0.amount) } ?? .null,
            "input_tokens_bound": .integer(Int64(bound.input)), "output_tokens_bound": .integer(Int64(bound.output)),
            "decision": .string(verdict), "reason": reason,
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: WireCoding.encode(body)))
    }

    /// A 400 naming the field when the request asks for more output than the model can write, or
    /// for an option that changes the bill in a way the model's price cannot express
    /// (`unpriced_option`): it would be under-billed otherwise.
    func checkPriceable(_ shape: RequestShape, model: String, prices: PriceTable) throws {
        guard let price = prices.price(for: model, at: budgets.clock()) else { return }
        if let asked = shape.maxOutput, let cap = price.maxOutputTokens, asked > cap {
            throw GatewayError.invalidRequest(
                "Invalid '\(shape.outputField)': \(asked) is more than \(model) can produce (at most \(cap) output tokens).",
                param: shape.outputField, code: "invalid_value")
        }
        if let tier = shape.billing.serviceTier, !price.canPrice(serviceTier: tier) {
            let known = (Array(ModelPrice.standardServiceTiers) + price.serviceTiers.keys).sorted().joined(separator: ", ")
            throw GatewayError.invalidRequest(
                "The service tier '\(tier)' has no price for \(model) on this gateway (priced: \(known)). Add its rates to the model's price entry, or leave 'service_tier' out.",
                param: "service_tier", code: "unpriced_option")
        }
        let card = price.card(serviceTier: shape.billing.serviceTier)
        if shape.cacheWrites.oneHour, !card.allRates.allSatisfy(\.publishesCacheWrite1h) {
            throw GatewayError.invalidRequest(
                "1-hour prompt caching (cache_control ttl '1h') has no price for \(model) on this gateway. Add 'cache_write_1h' to the model's price entry, or use the 5-minute cache.",
                param: "messages", code: "unpriced_option")
        }
        if shape.longCacheRetention, !card.allRates.allSatisfy(\.publishesCacheWrite1h) {
            throw GatewayError.invalidRequest(
                "12-hour prompt caching has no price for \(model) on this gateway. Add its 12-hour write rate as 'cache_write_1h' to the model's price entry, or leave the cache at its default retention.",
                param: "prompt_cache_options", code: "unpriced_option")
        }
    }

    /// The attempt at the deployment admission chose (`deployment`, or one of the downgraded
    /// model's), ready to be settled.
    func attempt(
        _ call: RoutedRequest, number: Int, route: String, context: TollgateRequestContext, deployment: Deployment, hold: BudgetHold
    ) throws -> AttemptSettlement {
        let served = hold.servedModel == deployment.model ? deployment : call.setup.catalog.deployment(for: hold.servedModel, prices: call.prices)
        guard let served else {
            hold.release()
            throw GatewayError.modelNotFound(hold.servedModel)
        }
        let now = budgets.clock()
        let proxied = ProxiedCall(
            requestID: context.requestID, attempt: number, route: route, principal: call.principal, task: call.task,
            requestedModel: call.requested ?? RoutingTable.auto, deployment: served, streamed: call.streamed, billing: call.shape.billing,
            longCacheRetention: call.shape.longCacheRetention, downgradedFrom: hold.downgradedFrom, budgetPeriodStart: hold.periodStart, prices: call.prices, startedAt: now)
        let cap = call.prices.price(for: served.model, at: now)?.maxOutputTokens
        return AttemptSettlement(call: proxied, hold: hold, meter: meter, bound: call.shape.bound(outputCap: cap))
    }

    // MARK: Helpers

    /// The request's body as a chat completions request, bounded and validated (a 400 naming the
    /// field otherwise).
    func chatRequest(_ request: Request) async throws -> ChatCompletionRequest {
        do {
            return try ChatCompletionRequest(body: try await request.collectBody(limit: maxBodyBytes))
        } catch let error as WireError {
            throw GatewayError.invalidRequest(error.message, param: error.param)
        }
    }

    /// The deployments of `model` for `call`, if the gateway serves it, its provider has not
    /// retired it, the key may use it (named as asked, or as served: `provider/model` by its
    /// model), it can take the request and its price can express the request's options; else the
    /// error that says which of these failed. The one check of a candidate, for calls and previews.
    func deployments(of model: String, for call: RoutedRequest) throws -> [Deployment] {
        let (principal, prices) = (call.principal, call.prices)
        let deployments: [Deployment]
        switch call.setup.catalog.resolve(model, prices: prices) {
        case .served(let served): deployments = served
        case .providerOff(let provider, let variable):
            throw GatewayError.modelNotFound(model, hint: " Its provider (\(provider)) is off: set \(variable) on the gateway.")
        case .unknown: throw GatewayError.modelNotFound(model)
        }
        let name = deployments[0].model
        guard principal.key.allows(model: model) || principal.key.allows(model: name) else {
            throw GatewayError.modelNotAllowed(model, key: principal.key.name)
        }
        let now = budgets.clock()
        let price = prices.price(for: name, at: now)
        if let price, let retired = price.retiredFrom, retired <= now {
            throw GatewayError.modelRetired(name, on: PriceEntry.dayString(retired), replacement: price.replacedBy)
        }
        let abilities = ModelAbilities(maxInputTokens: price?.maxInputTokens, images: price?.supportsImages, tools: price?.supportsTools)
        if let refusal = abilities.refusal(of: call.needs) {
            throw GatewayError.modelCannotTake(name, because: refusal)
        }
        try checkPriceable(call.shape, model: name, prices: prices)
        return deployments
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
        headers[.tollgateProvider] = call.deployment.provider
        headers[.tollgateAttempts] = String(call.attempt)
        if let from = call.downgradedFrom { headers[.tollgateDowngradedFrom] = from }
        if let remaining = hold.remaining { headers[.tollgateBudgetRemaining] = remaining.rounded(scale: 6).decimalString }
        return headers
    }

    static func json(_ value: JSONValue, call: ProxiedCall, hold: BudgetHold) throws -> Response {
        var headers = headers(call, hold: hold)
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: WireCoding.encode(value)))
    }

    static func completionText(_ body: [String: JSONValue]) -> String {
        (body["choices"]?.arrayValue ?? []).compactMap { $0["message"]?["content"]?.stringValue }.joined(separator: " ")
    }
}

extension TollgateRequestContext {
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw GatewayError.unauthorized("Missing API key.") }
        return principal
    }
}
