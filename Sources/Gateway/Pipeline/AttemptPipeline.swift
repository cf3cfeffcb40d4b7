import Foundation
import Governance
import Hummingbird
import Logging
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
}

extension RoutedRequest {
    /// A chat completion's facts, each read from the body once.
    init(_ chat: ChatCompletionRequest, principal: Principal, task: String, prices: PriceTable, setup: RoutingSetup) {
        let shape = RequestShape(chat)
        let promptTokens = TokenEstimate.tokens(in: chat.promptText)
        self.init(
            principal: principal, task: task, requested: chat.requestedModel, prices: prices, setup: setup, shape: shape,
            streamed: chat.isStreaming, needs: RequestNeeds(images: chat.hasImages, tools: chat.hasTools, promptTokens: promptTokens),
            rateTokens: principal.key.tpmLimit == nil ? 0 : promptTokens.saturatingAdd(shape.maxOutput ?? 0))
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

    /// Serves `call` by trying its route's models in order and, for each, its deployments in
    /// weighted order, until one answers: `perform` makes one attempt and returns the answer.
    ///
    /// A model that cannot take the request (unknown, not allowed, retired, missing an ability,
    /// an option it cannot price) is skipped. A deployment resting after failures is skipped. A
    /// deployment failure (unreachable, timeout, 401/403 of the gateway's key, 408, 429, 5xx, an
    /// answer that is not the protocol) moves on to the next deployment, then the next model,
    /// within `max_attempts` and `deadline_seconds`; any other answer (a 400, 404, 413, 422: the
    /// request's own fault) is returned as it is. Each attempt is admitted and settled on its
    /// own, so a fallback past a budget is refused like a first choice would be.
    func route(
        _ call: RoutedRequest, context: TollgateRequestContext, perform: @escaping @Sendable (AttemptSettlement) async throws -> Response
    ) async throws -> Response {
        let plan = try self.plan(call.setup, requested: call.requested, task: call.task, principal: call.principal)
        let limits = call.setup.table.limits
        let clock = ContinuousClock()
        // deadline_seconds is validated to 0…3600: the milliseconds fit.
        let deadline = NIODeadline.now() + .milliseconds(Int64(limits.deadlineSeconds * 1000))
        let health = routing.health
        var attempts = 0
        var failure: GatewayError?
        var skipped: [GatewayError] = []
        var resting: [String] = []
        var generator = SystemRandomNumberGenerator()

        candidates: for model in plan.models {
            let deployments: [Deployment]
            do {
                deployments = try self.deployments(of: model, for: call)
            } catch let error as GatewayError {
                skipped.append(error)
                continue
            }
            for index in WeightedOrder.order(weights: deployments.map(\.weight), using: &generator) {
                let deployment = deployments[index]
                guard attempts < limits.maxAttempts, NIODeadline.now() < deadline else { break candidates }
                guard health.admit(deployment.id, at: budgets.clock()) else {
                    resting.append(deployment.id)
                    continue
                }
                let hold: BudgetHold
                do {
                    hold = try await admit(
                        call.principal, model: deployment.model, provider: deployment.provider, shape: call.shape, tokens: call.rateTokens,
                        prices: call.prices, setup: call.setup, firstHop: attempts == 0)
                } catch {
                    // Nothing was sent: the deployment's probe, if this was one, goes to the next request.
                    health.released(deployment.id)
                    // Before any attempt (rate limit, budget, metering down) it is the answer; a
                    // fallback the budget refuses ends the request with that refusal unless a
                    // later candidate fits.
                    guard attempts > 0, var refusal = error as? GatewayError else { throw error }
                    refusal.headers[.tollgateAttempts] = String(attempts)
                    failure = refusal
                    continue candidates
                }
                attempts += 1
                let attempt: AttemptSettlement
                do {
                    attempt = try self.attempt(call, number: attempts, route: plan.route, context: context, deployment: deployment, hold: hold)
                } catch {
                    health.released(deployment.id)
                    throw error
                }
                let served = attempt.call.deployment
                let started = clock.now
                do {
                    // The deadline bounds each upstream call until its answer starts (the client
                    // enforces it, no extra task); a stream's first event is read within the
                    // upstream's read timeout.
                    let response = try await UpstreamHTTP.$answerDeadline.withValue(deadline) { try await perform(attempt) }
                    health.succeeded(served.id, milliseconds: Self.milliseconds(clock.now - started))
                    if served.id != deployment.id { health.released(deployment.id) }
                    return response
                } catch {
                    let error = Self.providerFailure(error, provider: served.provider)
                    attempt.failed(error)
                    if served.id != deployment.id { health.released(deployment.id) }
                    let elapsed = Self.milliseconds(clock.now - started)
                    var answer = GatewayError.upstream(error)
                    answer.headers[.tollgateAttempts] = String(attempts)
                    if error.kind == .badResponse {
                        context.logger.error("upstream sent an invalid answer", metadata: [
                            LogKey.error: "\(error.envelope.error.message)", LogKey.model: "\(served.model)", LogKey.provider: "\(served.provider)",
                        ])
                    }
                    switch Self.fallback(after: error.kind) {
                    case .nextDeployment:
                        health.failed(served.id, at: budgets.clock(), retryAfter: error.retryAfter.flatMap(Double.init), milliseconds: elapsed)
                        context.logger.warning("attempt failed; trying the next deployment", metadata: [
                            LogKey.model: "\(served.model)", LogKey.provider: "\(served.provider)", LogKey.error: "\(error.envelope.error.message)",
                        ])
                        failure = answer
                    case .nextModel:
                        health.succeeded(served.id, milliseconds: elapsed)
                        failure = answer
                        continue candidates
                    case .none:
                        // It answered: the request was at fault, or the gateway is shutting down.
                        if error.kind != .cancelled { health.succeeded(served.id, milliseconds: elapsed) }
                        throw answer
                    }
                }
            }
        }
        if let failure { throw failure }
        if !resting.isEmpty {
            let now = budgets.clock()
            let soonest = resting.compactMap(health.restEnds).min().map { $0.timeIntervalSince(now) } ?? 1
            throw GatewayError.deploymentsResting(resting, retryAfter: Int(min(max(soonest, 1), 86_400).rounded(.up)))
        }
        // Nothing was tried: the one model asked for says why; a route lists every refusal.
        if skipped.count == 1 || plan.models.count == 1, let first = skipped.first { throw first }
        throw GatewayError.noCandidate(skipped.map(\.envelope.error.message))
    }

    /// Where a failed attempt goes next.
    enum Fallback {
        /// The deployment failed: rest it, try the model's next deployment or the next model.
        case nextDeployment
        /// The request cannot be put in this provider's terms: another model may take it.
        case nextModel
        /// The answer is the caller's.
        case none
    }

    static func fallback(after kind: ProviderError.Kind) -> Fallback {
        switch kind {
        case .unreachable, .timeout, .badResponse: .nextDeployment
        case .upstreamStatus(let status): [401, 403, 408, 429].contains(status) || status >= 500 ? .nextDeployment : .none
        case .unsupported: .nextModel
        case .cancelled: .none
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(min(max(duration / .milliseconds(1), 0), 86_400_000))
    }
}

/// An upstream stream whose first event has been read: the handler reads it before committing the
/// answer (so a failure there can still fall back), then hands the stream to the response body,
/// which alone reads on. One owner at a time, never two: hence the unchecked `Sendable`.
final class PeekedStream: @unchecked Sendable {
    private var iterator: ChatEventStream.AsyncIterator
    private var first: SSEEvent??

    init(_ iterator: ChatEventStream.AsyncIterator) {
        self.iterator = iterator
    }

    func peek() async throws {
        first = .some(try await iterator.next())
    }

    func next() async throws -> SSEEvent? {
        if let first {
            self.first = nil
            return first
        }
        return try await iterator.next()
    }

    var usageSoFar: Usage? { iterator.usageSoFar }
}
