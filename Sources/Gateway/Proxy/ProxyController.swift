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
    let idempotency: IdempotencyGuard
    let runs: RunBook
    let metrics: GatewayMetrics
    let maxBodyBytes: Int

    func add(to group: RouterGroup<TollgateRequestContext>) {
        group.post("chat/completions", use: chat)
        group.post("messages", use: messages)
        group.post("messages/count_tokens", use: countTokens)
        group.post("responses", use: responses)
        group.post("embeddings", use: embeddings)
        group.get("models", use: models)
        group.post("cost/estimate", use: estimate)
    }

    // MARK: Chat

    @Sendable func chat(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.collectBody(limit: maxBodyBytes)
        var chat = try Self.chatRequest(body)
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: chat.metadataTask)
        chat.removeMetadataTask()
        // One price table and one routing setup for the whole call: a change made meanwhile
        // applies from the next call.
        var call = RoutedRequest(chat, principal: principal, task: task, prices: meter.prices.table, setup: routing.current)
        call.run = try await run(request, principal: principal)
        // Metadata goes on the log lines that need it: setting it on the logger costs every request.
        let logger = context.logger
        // The adapters send each deployment's own model name: the body is forwarded as it is.
        return try await once(request, body: body, principal: principal, streamed: chat.isStreaming, context: context) {
            try await route(call, context: context) { [chat] attempt in
                let provider = providers.provider(for: attempt.deployment.kind)
                if chat.isStreaming {
                    return try await Self.stream(chat, attempt: attempt, provider: provider, logger: logger)
                }
                let answer = try await provider.complete(chat, on: attempt.deployment, logger: logger)
                return try Self.deliver(answer, attempt: attempt, prompt: chat.promptText, completion: Self.completionText(answer.body))
            }
        }
    }

    // MARK: Embeddings

    @Sendable func embeddings(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.collectBody(limit: maxBodyBytes)
        let embeddings: EmbeddingsRequest
        do {
            embeddings = try EmbeddingsRequest(body: body)
        } catch {
            throw GatewayError.invalidRequest(error.message, param: error.param)
        }
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: nil)
        let call = RoutedRequest(
            principal: principal, task: task, requested: embeddings.model, prices: meter.prices.table, setup: routing.current,
            shape: RequestShape(inputBound: embeddings.inputTokenBound, maxOutput: 0), streamed: false,
            needs: RequestNeeds(), rateTokens: embeddings.inputTokenBound, endUser: embeddings.endUser, run: try await run(request, principal: principal),
            operation: "embeddings")
        return try await once(request, body: body, principal: principal, streamed: false, context: context) {
            try await route(call, context: context) { attempt in
                let answer = try await providers.provider(for: attempt.deployment.kind).embed(embeddings, on: attempt.deployment, logger: context.logger)
                var body = answer.body
                let reported = body["usage"]?["prompt_tokens"].map(Usage.count)
                if let reported, !(0...Usage.maxPlausibleTokens).contains(reported) {
                    throw ProviderError.badResponse(attempt.deployment.provider, "its usage has impossible token counts")
                }
                let usage = TokenUsage(uncachedInput: reported ?? embeddings.inputTokenBound)
                // An upstream that reports no usage (Gemini may not) is answered with what was billed:
                // the input's bound, as OpenAI's answer always carries `usage`.
                let billed = JSONValue.integer(Int64(usage.input))
                body["usage"] = body["usage"] ?? ["prompt_tokens": billed, "total_tokens": billed]
                return Self.deliver(body, usage: usage, estimated: reported == nil, serviceTier: nil, pricesUsage: true, attempt: attempt)
            }
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

    // MARK: Cost preview

    /// `POST /v1/cost/estimate`: what a chat completion would be admitted as, from the same
    /// admission code, without calling an upstream, reserving, or counting against rate limits.
    @Sendable func estimate(_ request: Request, context: TollgateRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let chat = try Self.chatRequest(try await request.collectBody(limit: maxBodyBytes))
        let task = try Self.task(header: request.headers[.tollgateTask], metadata: chat.metadataTask)
        let call = RoutedRequest(chat, principal: principal, task: task, prices: meter.prices.table, setup: routing.current)
        let (prices, setup, shape) = (call.prices, call.setup, call.shape)
        // The pipeline run dry: the deployments the call would draw its first attempt from.
        let drawn = try firstCandidates(call)
        let deployment = drawn[0]
        let (downgrades, estimate) = admission(
            principal, model: deployment.model, providers: drawn.map(\.provider), shape: shape, prices: prices, setup: setup)
        let decision = try await budgets.preview(
            principal, endUser: call.endUser, model: deployment.model, downgrades: downgrades, estimate: estimate)
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
            reason = .string(GatewayError.budgetExceeded(rejection, key: principal.key.name, now: budgets.clock()).envelope.error.message)
        }
        let bound = shape.bound(outputCap: prices.price(for: served, at: budgets.clock())?.maxOutputTokens)
        let body: JSONValue = [
            "object": "cost.estimate", "model": .string(chat.requestedModel ?? RoutingTable.auto), "served_model": .string(served),
            "estimate_usd": estimate(served).map { .decimal($0.amount) } ?? .null,
            "input_tokens_bound": .integer(Int64(bound.input)), "output_tokens_bound": .integer(Int64(bound.output)),
            "decision": .string(verdict), "reason": reason, "deployments": .array(drawn.map { .string($0.id) }),
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: WireCoding.encode(body)))
    }

    // MARK: Helpers

    /// Runs `perform` once per `Idempotency-Key` when the request carries one.
    func once(
        _ request: Request, body: ByteBuffer, principal: Principal, streamed: Bool, context: TollgateRequestContext,
        perform: () async throws -> Response
    ) async throws -> Response {
        guard let key = try IdempotencyGuard.key(request) else { return try await perform() }
        return try await idempotency.run(
            key: key, request: request, body: body, principal: principal, streamed: streamed, context: context, perform: perform)
    }

    /// The request's body as a chat completions request, validated (a 400 naming the field
    /// otherwise).
    static func chatRequest(_ body: ByteBuffer) throws -> ChatCompletionRequest {
        do {
            return try ChatCompletionRequest(body: body)
        } catch {
            throw GatewayError.invalidRequest(error.message, param: error.param)
        }
    }

    /// The task from `X-Tollgate-Task`, else `metadata.task`, else `default`.
    static func task(header: String?, metadata: String?) throws -> String {
        let task = header ?? metadata ?? "default"
        guard isName(task) else {
            throw GatewayError.invalidRequest(
                "The task must be 1 to 100 characters of letters, digits and - _ . : /.", param: "metadata.task", code: "invalid_task")
        }
        return task
    }

    /// The run from `X-Tollgate-Run` (the task's character rules), opened or continued in the run
    /// store, with the budget `X-Tollgate-Run-Budget` sets on its first request; nil without it.
    func run(_ request: Request, principal: Principal) async throws -> AgentRun? {
        let budgetText = request.headers[.tollgateRunBudget]
        guard let name = request.headers[.tollgateRun] else {
            guard budgetText == nil else {
                throw GatewayError.invalidRequest("X-Tollgate-Run-Budget needs X-Tollgate-Run: the budget is the run's.", code: "invalid_run_budget")
            }
            return nil
        }
        guard Self.isName(name) else {
            throw GatewayError.invalidRequest(
                "X-Tollgate-Run must be 1 to 100 characters of letters, digits and - _ . : /.", code: "invalid_run")
        }
        let budget = try budgetText.map(Self.runBudget)
        return try await runs.open(teamID: principal.team.id, name: name, budget: budget)
    }

    /// `X-Tollgate-Run-Budget`: USD as a plain decimal above 0 and at most 1,000,000, to the
    /// millionth.
    static func runBudget(_ text: String) throws -> Money {
        let decimals = text.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") }),
              decimals <= 6, let money = Money(text), money > .zero, money <= Money(Decimal(1_000_000))
        else {
            throw GatewayError.invalidRequest(
                "X-Tollgate-Run-Budget must be USD as a plain decimal above 0 and at most 1000000, e.g. 2.50 (got '\(text.prefix(40))').",
                code: "invalid_run_budget")
        }
        return money
    }

    /// A task's or run's name: 1 to 100 of ASCII letters, digits and `- _ . : /`.
    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100 && name.utf8.allSatisfy(Self.isTaskByte)
    }

    /// ASCII letters, digits and `- _ . : /`.
    private static func isTaskByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"): true
        default: false
        }
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
