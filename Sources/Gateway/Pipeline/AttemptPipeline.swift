import Foundation
import Governance
import Hummingbird
import Logging
import Metering
import NIOCore
import OpenAIWire
import Pricing
import Providers
import Routing

/// One request on its way through routing: what was asked, and the configuration it is served under.
struct RoutedRequest: Sendable {
    var principal: Principal
    var task: String
    /// The model the request named; nil when it left the choice to routing.
    var requested: String?
    var prices: PriceTable
    var setup: RoutingSetup
    var shape: RequestShape
    var streamed: Bool
    var needs: RequestNeeds
    /// Tokens counted against the key's `tpm_limit` (0 when it has none).
    var rateTokens: Int
    /// Who the app served the call for, when the request said.
    var endUser: String? = nil
    /// The agent run or job the call belongs to (`X-Tollgate-Run`), as opened in the run store.
    var run: AgentRun? = nil
    /// What the upstream is asked to do, in OpenTelemetry's GenAI terms (`chat`, `embeddings`).
    var operation = "chat"
}

extension RoutedRequest {
    /// A request's facts as every endpoint reads them: the prompt's estimated tokens decide what
    /// the candidates must take (`needs`) and what counts against the key's `tpm_limit`.
    init(
        principal: Principal, task: String, requested: String?, prices: PriceTable, setup: RoutingSetup, shape: RequestShape,
        streamed: Bool, images: Bool, tools: Bool, promptText: String, endUser: String?
    ) {
        let promptTokens = TokenEstimate.tokens(in: promptText)
        self.init(
            principal: principal, task: task, requested: requested, prices: prices, setup: setup, shape: shape, streamed: streamed,
            needs: RequestNeeds(images: images, tools: tools, promptTokens: promptTokens),
            rateTokens: principal.key.tpmLimit == nil ? 0 : promptTokens.saturatingAdd(shape.maxOutput ?? 0), endUser: endUser)
    }

    /// A chat completion's facts, each read from the body once.
    init(_ chat: ChatCompletionRequest, principal: Principal, task: String, prices: PriceTable, setup: RoutingSetup) {
        self.init(principal: principal, task: task, requested: chat.requestedModel, prices: prices, setup: setup, shape: RequestShape(chat),
                  streamed: chat.isStreaming, images: chat.hasImages, tools: chat.hasTools, promptText: chat.promptText, endUser: chat.endUser)
    }
}

extension ProxyController {
    /// The models the request may try, in order (see `RoutingTable.plan`); a team's own routes
    /// take precedence over the configuration's.
    func plan(_ setup: RoutingSetup, requested: String?, task: String, principal: Principal) throws -> RoutePlan {
        do {
            return try setup.table.plan(model: requested, task: task, teamRoutes: principal.team.routes ?? [:])
        } catch {
            throw GatewayError.noRoute(error.message)
        }
    }

    /// The attempt pipeline: serves `call` by trying its route's models in order and, for each,
    /// its deployments in weighted order, until one answers. `perform` makes one attempt (sends
    /// it, and returns the response whose body delivers the answer and settles the attempt).
    ///
    /// Plan → candidates (`deployments(of:for:)`, the one check) → breaker → admission → send →
    /// outcome → settlement and health, by `AttemptPolicy`. A model that cannot take the request
    /// is skipped. A deployment resting after failures is skipped while another can serve; when
    /// every candidate rests, the one whose rest ends first is tried (its answer is the probe),
    /// unless every one is inside the `retry-after` its upstream asked for: then the answer is
    /// 429 with the time left, without a call. Each attempt is admitted and settled on its own,
    /// so a fallback past a budget is refused like a first choice would be.
    func route(
        _ call: RoutedRequest, context: TollgateRequestContext, perform: @escaping @Sendable (Attempt) async throws -> Response
    ) async throws -> Response {
        let plan = try self.plan(call.setup, requested: call.requested, task: call.task, principal: call.principal)
        let limits = call.setup.table.limits
        // deadline_seconds is validated to 0…3600: the milliseconds fit.
        let deadline = NIODeadline.now() + .milliseconds(Int64(limits.deadlineSeconds * 1000))
        let health = routing.health
        var run = RouteRun()
        var generator = routing.random.next()

        /// One attempt at `deployment`: the response to send, or nil to go on (`skipModel` set
        /// when the model's other deployments cannot take it either).
        func attempt(at deployment: Deployment) async throws -> Response? {
            let hold: BudgetHold
            do {
                hold = try await admit(
                    call.principal, model: deployment.model, provider: deployment.provider, shape: call.shape, tokens: call.rateTokens,
                    prices: call.prices, setup: call.setup, endUser: call.endUser, run: call.run, firstHop: run.attempts == 0)
            } catch {
                // Nothing was sent: the deployment's probe, if this was one, goes to the next request.
                health.released(deployment.id)
                // Before any attempt (rate limit, budget, metering down) it is the answer; a
                // fallback the budget refuses ends the request with that refusal unless a later
                // candidate fits.
                guard run.attempts > 0, var refusal = error as? GatewayError else { throw error }
                refusal.headers[.tollgateAttempts] = String(run.attempts)
                run.failure = refusal
                run.skipModel = true
                return nil
            }
            run.attempts += 1
            if run.attempts == 1 { metrics.overhead(ContinuousClock.now - context.arrival) }
            let attempt: Attempt
            do {
                attempt = try self.attempt(call, number: run.attempts, route: plan.route, context: context, deployment: deployment, hold: hold)
            } catch {
                health.released(deployment.id)
                throw error
            }
            if attempt.deployment.id != deployment.id { health.released(deployment.id) }
            do {
                // The deadline bounds each upstream call until its answer starts (the client
                // enforces it, no extra task); a stream's first event is read within the
                // upstream's read timeout.
                return try await UpstreamHTTP.$answerDeadline.withValue(deadline) {
                    guard let trace = attempt.trace else { return try await perform(attempt) }
                    return try await trace.run { try await perform(attempt) }
                }
            } catch {
                let error = Self.providerFailure(error, provider: attempt.deployment.provider)
                let outcome = Self.outcome(of: error, pastDeadline: NIODeadline.now() >= deadline)
                guard let settled = attempt.settlement.settle(outcome) else { throw GatewayError.upstream(error) }
                var answer = GatewayError.upstream(error, status: settled.decision.clientStatus)
                answer.headers[.tollgateAttempts] = String(run.attempts)
                if error.kind == .badResponse {
                    context.requestLogger.error("upstream sent an invalid answer", metadata: [
                        LogKey.error: "\(error.envelope.error.message)", LogKey.model: "\(attempt.deployment.model)",
                        LogKey.provider: "\(attempt.deployment.provider)",
                    ])
                }
                switch settled.decision.next {
                case .stop:
                    throw answer
                case .nextDeployment:
                    context.requestLogger.warning("attempt failed; trying the next deployment", metadata: [
                        LogKey.model: "\(attempt.deployment.model)", LogKey.provider: "\(attempt.deployment.provider)",
                        LogKey.error: "\(error.envelope.error.message)",
                    ])
                    run.failure = answer
                case .nextModel:
                    run.failure = answer
                    run.skipModel = true
                }
                return nil
            }
        }

        candidates: for model in plan.models {
            let deployments: [Deployment]
            do {
                deployments = try self.deployments(of: model, for: call)
            } catch let error as GatewayError {
                run.skipped.append(error)
                continue
            }
            run.skipModel = false
            for index in WeightedOrder.order(weights: deployments.map(\.weight), using: &generator) {
                let deployment = deployments[index]
                guard run.attempts < limits.maxAttempts, NIODeadline.now() < deadline else { break candidates }
                guard health.admit(deployment.id, at: budgets.clock()) else {
                    run.resting.append(deployment)
                    continue
                }
                if let response = try await attempt(at: deployment) { return response }
                if run.skipModel { continue candidates }
            }
        }
        // Every candidate rests: resting must not become refusing.
        if run.attempts == 0, run.failure == nil, !run.resting.isEmpty {
            let now = budgets.clock()
            let choices = run.resting.map { (deployment: $0, availability: health.availability($0.id)) }
            let open = choices.filter { ($0.availability.retryAfterUntil ?? .distantPast) <= now }
            guard let pick = open.min(by: { $0.availability.from < $1.availability.from }) else {
                let until = choices.compactMap(\.availability.retryAfterUntil).min() ?? now
                throw GatewayError.upstreamAskedToWait(
                    run.resting.map(\.id), retryAfter: Int(min(max(until.timeIntervalSince(now), 1), 86_400).rounded(.up)))
            }
            health.forceProbe(pick.deployment.id, at: now)
            if let response = try await attempt(at: pick.deployment) { return response }
        }
        if let failure = run.failure { throw failure }
        // Nothing was tried: the one model asked for says why; a route lists every refusal.
        if run.skipped.count == 1 || plan.models.count == 1, let first = run.skipped.first { throw first }
        throw GatewayError.noCandidate(run.skipped.map(\.envelope.error.message))
    }

    /// The pipeline run dry, for the cost preview: the deployments the call's first attempt would
    /// be drawn from (the same plan, candidate check and resting rules, nothing sent, nothing
    /// reserved). Several when the model has several deployments sharing its traffic by weight.
    func firstCandidates(_ call: RoutedRequest) throws -> [Deployment] {
        let plan = try self.plan(call.setup, requested: call.requested, task: call.task, principal: call.principal)
        let health = routing.health
        let now = budgets.clock()
        var skipped: [GatewayError] = []
        var resting: [Deployment] = []
        for model in plan.models {
            let deployments: [Deployment]
            do {
                deployments = try self.deployments(of: model, for: call)
            } catch let error as GatewayError {
                skipped.append(error)
                continue
            }
            let available = deployments.filter { health.isAvailable($0.id, at: now) }
            if !available.isEmpty { return available }
            resting += deployments
        }
        if !resting.isEmpty {
            let choices = resting.map { (deployment: $0, availability: health.availability($0.id)) }
            let open = choices.filter { ($0.availability.retryAfterUntil ?? .distantPast) <= now }
            guard let pick = open.min(by: { $0.availability.from < $1.availability.from }) else {
                let until = choices.compactMap(\.availability.retryAfterUntil).min() ?? now
                throw GatewayError.upstreamAskedToWait(resting.map(\.id), retryAfter: Int(min(max(until.timeIntervalSince(now), 1), 86_400).rounded(.up)))
            }
            return [pick.deployment]
        }
        if skipped.count == 1 || plan.models.count == 1, let first = skipped.first { throw first }
        throw GatewayError.noCandidate(skipped.map(\.envelope.error.message))
    }

    /// The outcome of an attempt whose upstream call threw before the client had a byte.
    static func outcome(of error: ProviderError, pastDeadline: Bool) -> AttemptOutcome {
        switch error.kind {
        case .upstreamStatus(let status):
            return .upstreamStatus(status, retryAfter: error.retryAfter.flatMap(Double.init))
        case .unsupported:
            return .unsupported
        case .unreachable:
            return error.requestSent ? .failedAfterSending(.reset) : .unreachable
        case .timeout:
            // The request's own deadline is not the deployment's fault.
            return pastDeadline ? .cutAtDeadline : .failedAfterSending(.timeout)
        case .badResponse:
            return .failedAfterSending(.badAnswer)
        case .cancelled:
            return error.requestSent ? .cutAtShutdown : .withdrawn
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(min(max(duration / .milliseconds(1), 0), 86_400_000))
    }
}

/// The state of one request's route: attempts made, the last failure, and what was passed over.
private struct RouteRun {
    var attempts = 0
    var failure: GatewayError?
    var skipped: [GatewayError] = []
    var resting: [Deployment] = []
    /// Set when the current model's other deployments are not worth trying.
    var skipModel = false
}
