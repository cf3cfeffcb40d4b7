import Foundation
import Logging
import Pricing
import Synchronization
import Testing
@testable import Metering

/// The attempt policy as a table: each outcome, the row it writes, the client's status, where the
/// request goes next, and what the deployment's health records.
@Suite struct AttemptPolicyTests {
    typealias D = AttemptPolicy.Decision

    static let table: [(AttemptOutcome, D)] = [
        (.answered, D(row: .reported(status: 200), clientStatus: 200, next: .stop, health: .success)),
        (.unreachable, D(row: .none, clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.unsupported, D(row: .none, clientStatus: 400, next: .nextModel, health: .none)),
        (.withdrawn, D(row: .none, clientStatus: 503, next: .stop, health: .none)),
        (.upstreamStatus(500, retryAfter: nil), D(row: .noTokens(status: 500), clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.upstreamStatus(529, retryAfter: nil), D(row: .noTokens(status: 529), clientStatus: 503, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.upstreamStatus(429, retryAfter: 2), D(row: .noTokens(status: 429), clientStatus: 429, next: .nextDeployment, health: .failure(retryAfter: 2))),
        (.upstreamStatus(401, retryAfter: nil), D(row: .noTokens(status: 401), clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.upstreamStatus(408, retryAfter: nil), D(row: .noTokens(status: 408), clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.upstreamStatus(504, retryAfter: nil), D(row: .noTokens(status: 504), clientStatus: 504, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.upstreamStatus(400, retryAfter: nil), D(row: .noTokens(status: 400), clientStatus: 400, next: .stop, health: .success)),
        (.upstreamStatus(404, retryAfter: nil), D(row: .noTokens(status: 404), clientStatus: 404, next: .stop, health: .success)),
        (.upstreamStatus(413, retryAfter: nil), D(row: .noTokens(status: 413), clientStatus: 413, next: .stop, health: .success)),
        (.upstreamStatus(422, retryAfter: nil), D(row: .noTokens(status: 422), clientStatus: 422, next: .stop, health: .success)),
        (.failedAfterSending(.timeout), D(row: .estimated(status: 504), clientStatus: 504, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.failedAfterSending(.reset), D(row: .estimated(status: 502), clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.failedAfterSending(.badAnswer), D(row: .estimated(status: 502), clientStatus: 502, next: .nextDeployment, health: .failure(retryAfter: nil))),
        (.cutMidStream, D(row: .estimated(status: 502), clientStatus: 502, next: .stop, health: .failure(retryAfter: nil))),
        (.abandoned, D(row: .estimated(status: 499), clientStatus: 499, next: .stop, health: .none)),
        (.cutAtShutdown, D(row: .estimated(status: 503), clientStatus: 503, next: .stop, health: .none)),
        (.cutAtDeadline, D(row: .estimated(status: 504), clientStatus: 504, next: .stop, health: .none)),
    ]

    @Test(arguments: table)
    func eachOutcomeIsDecidedInOnePlace(outcome: AttemptOutcome, expected: D) {
        #expect(AttemptPolicy.decide(outcome) == expected)
    }

    /// The rules the table keeps, over every outcome.
    @Test(arguments: table.map(\.0))
    func theRulesHoldForEveryOutcome(outcome: AttemptOutcome) {
        let decision = AttemptPolicy.decide(outcome)
        // A row exactly when something reached the upstream.
        #expect((decision.row != .none) == outcome.wasSent)
        // Once the client has a byte, nothing falls back.
        if [.cutMidStream, .abandoned, .answered].contains(outcome) { #expect(decision.next == .stop) }
        // A client that leaves, a shutdown or the request's own deadline never rests a deployment.
        if [.abandoned, .cutAtShutdown, .cutAtDeadline, .withdrawn].contains(outcome) { #expect(decision.health == .none) }
    }
}

/// One attempt's settlement: priced with the terms that admitted it, settled exactly once,
/// including when nothing settles it (the backstop), with estimates that never under-count.
@Suite struct AttemptSettlementTests {
    static let logger: Logger = { var logger = Logger(label: "test"); logger.logLevel = .critical; return logger }()
    static let day = Date(timeIntervalSince1970: 1_790_000_000)

    /// A budget claim that remembers how it was settled.
    final class Claim: BudgetClaim {
        let settlements = Mutex<[(Money?, Int)]>([])
        func settle(cost: Money?, tokensUsed: Int) { settlements.withLock { $0.append((cost, tokensUsed)) } }
        var count: Int { settlements.withLock { $0.count } }
    }

    /// Health signals received.
    final class Signals: Sendable {
        let received = Mutex<[AttemptPolicy.Health]>([])
        func record(_ signal: AttemptPolicy.Health, _: Int) { received.withLock { $0.append(signal) } }
        var all: [AttemptPolicy.Health] { received.withLock { $0 } }
    }

    /// $1 input, $2 output per 1M, under a 0.5 multiplier: the terms an attempt was admitted with.
    static func terms(multiplier: Decimal? = Decimal(string: "0.5")) -> SettlementTerms {
        SettlementTerms(
            requestID: "req_1", attempt: 1, route: "direct", teamID: UUID(), keyID: UUID(), task: "t", requestedModel: "m", servedModel: "m",
            provider: "p", streamed: true, billing: .standard, downgradedFrom: nil, budgetPeriodStart: day,
            price: ModelPrice(model: "m", provider: "p", input: Money("1")!, output: Money("2")!, effectiveFrom: day),
            multiplier: multiplier, startedAt: day)
    }

    static func make(terms: SettlementTerms = terms(), claim: Claim, signals: Signals, store: MemoryUsageStore) throws -> (AttemptSettlement, UsageRecorder) {
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), logger: logger)
        let settlement = AttemptSettlement(
            terms: terms, bound: TokenUsage(uncachedInput: 1_000, output: 500), claim: claim, recorder: recorder, health: signals.record)
        return (settlement, recorder)
    }

    @Test(arguments: [
        // (outcome, reported usage, streamed output, expected row status, tokens in, tokens out, cost)
        // answered: as reported, 100 × 1 + 50 × 2 = 200 per 1M, × 0.5.
        (AttemptOutcome.answered, TokenUsage(uncachedInput: 100, output: 50), nil, 200, 100, 50, "0.0001"),
        // the upstream refused it: a row with no tokens.
        (.upstreamStatus(500, retryAfter: nil), nil, nil, 500, 0, 0, "0"),
        // cut mid-stream with the input reported: the output cap is billed, never less.
        (.cutMidStream, TokenUsage(uncachedInput: 100, output: 10), nil, 502, 100, 500, "0.00055"),
        // the client left after 30 streamed tokens, no usage: the input bound and what was streamed.
        (.abandoned, nil, 30, 499, 1_000, 30, "0.00053"),
        // timed out after sending, nothing reported: the bounds.
        (.failedAfterSending(.timeout), nil, nil, 504, 1_000, 500, "0.001"),
    ] as [(AttemptOutcome, TokenUsage?, Int?, Int, Int, Int, String)])
    func eachOutcomeWritesItsRow(outcome: AttemptOutcome, usage: TokenUsage?, streamed: Int?, status: Int, input: Int, output: Int, cost: String) async throws {
        let store = MemoryUsageStore(), claim = Claim(), signals = Signals()
        let (settlement, recorder) = try Self.make(claim: claim, signals: signals, store: store)
        let settled = try #require(settlement.settle(outcome, usage: usage, streamedOutput: streamed))
        #expect(settled.cost == Money(cost))
        try await recorder.flush()
        let row = try #require(store.rows.withLock { $0["req_1#1"] })
        #expect((row.status, row.usage.input, row.usage.output, row.cost) == (status, input, output, Money(cost)))
        #expect(row.usageEstimated == (outcome != .answered && !(outcome == .upstreamStatus(500, retryAfter: nil))))
        #expect(claim.count == 1 && claim.settlements.withLock { $0[0].0 } == Money(cost))
    }

    @Test func anAttemptIsSettledExactlyOnce() async throws {
        let store = MemoryUsageStore(), claim = Claim(), signals = Signals()
        let (settlement, recorder) = try Self.make(claim: claim, signals: signals, store: store)
        #expect(settlement.settle(.answered, usage: TokenUsage(uncachedInput: 1, output: 1)) != nil)
        #expect(settlement.settle(.abandoned) == nil)
        #expect(settlement.settle(.cutMidStream) == nil)
        try await recorder.flush()
        #expect(store.rows.withLock { $0.count } == 1 && claim.count == 1)
        #expect(signals.all == [.success])
    }

    @Test func nothingSentReleasesTheReservationWithoutARow() async throws {
        let store = MemoryUsageStore(), claim = Claim(), signals = Signals()
        let (settlement, recorder) = try Self.make(claim: claim, signals: signals, store: store)
        settlement.settle(.unreachable)
        try await recorder.flush()
        #expect(store.rows.withLock { $0.isEmpty })
        #expect(claim.settlements.withLock { $0.map { $0.0 } } == [nil])
        #expect(signals.all == [.failure(retryAfter: nil)])
    }

    /// An answer whose body never ran: dropped unsettled, the attempt books itself as abandoned.
    @Test func anAttemptNobodySettledIsBookedAsAbandoned() async throws {
        let store = MemoryUsageStore(), claim = Claim(), signals = Signals()
        let recorder = try UsageRecorder(store: store, spool: MemorySpool(), logger: Self.logger)
        do {
            _ = AttemptSettlement(terms: Self.terms(), bound: TokenUsage(uncachedInput: 1_000, output: 500), claim: claim,
                                  recorder: recorder, health: signals.record)
        }
        try await recorder.flush()
        let row = try #require(store.rows.withLock { $0["req_1#1"] })
        #expect(row.status == 499 && row.usageEstimated)
        #expect(claim.count == 1)
        #expect(signals.all == [AttemptPolicy.Health.none])
    }

    /// The terms are the admission's: a multiplier (or price) that changed since is not used.
    @Test func theTermsThatAdmittedTheAttemptSettleIt() throws {
        let usage = TokenUsage(uncachedInput: 1_000_000)
        #expect(Self.terms(multiplier: Decimal(string: "0.5")).cost(usage, mode: .standard) == Money("0.5"))
        #expect(Self.terms(multiplier: nil).cost(usage, mode: .standard) == Money("1"))
        var unpriced = Self.terms()
        unpriced.price = nil
        #expect(unpriced.cost(usage, mode: .standard) == nil)
    }
}
