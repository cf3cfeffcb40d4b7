import Foundation
import Pricing
import Testing
@testable import Governance

@Suite struct BudgetGuardTests {
    static let period = BudgetPeriod(containing: Date(timeIntervalSince1970: 1_795_000_000), timeZone: .gmt)

    static func scope(_ kind: BudgetScopeKind, hard: String? = nil, soft: String? = nil, spent: String = "0", reserved: String = "0") -> BudgetSnapshot {
        BudgetSnapshot(kind: kind, id: UUID(), name: kind.rawValue, hardLimit: hard.flatMap(Money.init), softLimit: soft.flatMap(Money.init),
                       spent: Money(spent)!, reserved: Money(reserved)!, period: period)
    }

    /// gpt-4o costs 2 per request, gpt-4o-mini 0.5; mock-unpriced has no price.
    static func estimate(_ model: String) -> Money? {
        ["gpt-4o": Money("2")!, "gpt-4o-mini": Money("0.5")!][model]
    }

    static let downgrades = ["gpt-4o": "gpt-4o-mini"]

    enum Expected: Equatable {
        case allow
        case downgrade(String, BudgetScopeKind)
        case reject(BudgetScopeKind, unpriced: Bool)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var scopes: [BudgetSnapshot]
        var model = "gpt-4o"
        var expected: Expected
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no limits", scopes: [scope(.key), scope(.team)], expected: .allow),
        Case(name: "room under the team limit", scopes: [scope(.key), scope(.team, hard: "10", spent: "7")], expected: .allow),
        Case(name: "exactly fits", scopes: [scope(.key), scope(.team, hard: "10", spent: "5", reserved: "3")], expected: .allow),
        Case(name: "over the team limit", scopes: [scope(.key), scope(.team, hard: "10", spent: "9")], expected: .reject(.team, unpriced: false)),
        Case(name: "reservations count", scopes: [scope(.key), scope(.team, hard: "10", spent: "5", reserved: "4")],
             expected: .reject(.team, unpriced: false)),
        Case(name: "the key's tighter limit bites first", scopes: [scope(.key, hard: "1"), scope(.team, hard: "1")],
             expected: .reject(.key, unpriced: false)),
        Case(name: "key over, team fine", scopes: [scope(.key, hard: "3", spent: "2"), scope(.team, hard: "100")],
             expected: .reject(.key, unpriced: false)),
        Case(name: "past the soft limit: downgrade", scopes: [scope(.key), scope(.team, hard: "100", soft: "50", spent: "60")],
             expected: .downgrade("gpt-4o-mini", .team)),
        Case(name: "past the key's soft limit: downgrade", scopes: [scope(.key, soft: "1", spent: "1"), scope(.team)],
             expected: .downgrade("gpt-4o-mini", .key)),
        Case(name: "past the soft limit, model not mapped", scopes: [scope(.key), scope(.team, soft: "1", spent: "5")],
             model: "gpt-4o-mini", expected: .allow),
        Case(name: "below the soft limit", scopes: [scope(.key), scope(.team, soft: "50", spent: "49.99")], expected: .allow),
        Case(name: "the cheaper model fits where the dear one would not",
             scopes: [scope(.key), scope(.team, hard: "10", soft: "5", spent: "9")], expected: .downgrade("gpt-4o-mini", .team)),
        Case(name: "a downgrade never crosses the hard limit",
             scopes: [scope(.key), scope(.team, hard: "10", soft: "5", spent: "9.8")], expected: .reject(.team, unpriced: false)),
        Case(name: "an unpriced model on a budgeted scope", scopes: [scope(.key), scope(.team, hard: "10")], model: "mock-unpriced",
             expected: .reject(.team, unpriced: true)),
        Case(name: "an unpriced model without budgets", scopes: [scope(.key), scope(.team)], model: "mock-unpriced", expected: .allow),
    ]

    @Test(arguments: cases)
    func decides(testCase: Case) {
        let decision = BudgetGuard.decide(scopes: testCase.scopes, model: testCase.model, downgrades: Self.downgrades, estimate: Self.estimate)
        let actual: Expected
        switch decision {
        case .allow: actual = .allow
        case .downgrade(let model, let scope): actual = .downgrade(model, scope.kind)
        case .reject(let rejection):
            if case .unpricedModel = rejection.reason { actual = .reject(rejection.scope.kind, unpriced: true) }
            else { actual = .reject(rejection.scope.kind, unpriced: false) }
        }
        #expect(actual == testCase.expected)
    }

    @Test func aRejectionCarriesTheNumbersForTheMessage() throws {
        let team = Self.scope(.team, hard: "10", spent: "9", reserved: "0.5")
        guard case .reject(let rejection) = BudgetGuard.decide(scopes: [team], model: "gpt-4o", downgrades: [:], estimate: Self.estimate) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.scope.hardLimit == Money("10"))
        #expect(rejection.scope.spent == Money("9"))
        #expect(rejection.scope.reserved == Money("0.5"))
        #expect(rejection.estimate == Money("2"))
    }
}

@Suite struct BudgetPeriodTests {
    static func date(_ text: String) -> Date { try! Date.ISO8601FormatStyle().parse(text) }

    @Test func aUTCMonth() {
        let period = BudgetPeriod(containing: Self.date("2026-11-30T23:59:59Z"), timeZone: .gmt)
        #expect(period.start == Self.date("2026-11-01T00:00:00Z"))
        #expect(period.end == Self.date("2026-12-01T00:00:00Z"))
        #expect(period.secondsUntilReset(from: Self.date("2026-11-30T23:59:00Z")) == 60)
        #expect(BudgetPeriod(containing: Self.date("2026-12-01T00:00:00Z"), timeZone: .gmt).start == Self.date("2026-12-01T00:00:00Z"))
    }

    @Test func aMonthInAnotherTimeZone() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // 03:00 UTC on 1 December is still 30 November in New York.
        let period = BudgetPeriod(containing: Self.date("2026-12-01T03:00:00Z"), timeZone: newYork)
        #expect(period.start == Self.date("2026-11-01T04:00:00Z"))  // midnight EDT
        #expect(period.end == Self.date("2026-12-01T05:00:00Z"))    // midnight EST
    }

    @Test func februaryInALeapYear() {
        let period = BudgetPeriod(containing: Self.date("2028-02-29T12:00:00Z"), timeZone: .gmt)
        #expect(period.end == Self.date("2028-03-01T00:00:00Z"))
    }
}

@Suite struct BudgetLedgerTests {
    static let period = BudgetPeriod(containing: Date(), timeZone: .gmt)

    static func scopes(team: UUID, limit: String) -> [BudgetScope] {
        [BudgetScope(key: BudgetKey(kind: .team, id: team, periodStart: period.start), name: "t", hardLimit: Money(limit),
                     softLimit: nil, period: period)]
    }

    @Test func concurrentAdmissionsNeverReserveMoreThanTheLimit() async {
        let ledger = BudgetLedger()
        let team = UUID()
        ledger.load([BudgetKey(kind: .team, id: team, periodStart: Self.period.start): .zero])
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<1000 {
                group.addTask {
                    let (_, reservation) = ledger.admit(scopes: Self.scopes(team: team, limit: "1"), model: "m", downgrades: [:]) { _ in Money("0.003") }
                    return reservation != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 333)  // 333 × 0.003 = 0.999; a 334th would pass 1
        #expect(ledger.counter(BudgetKey(kind: .team, id: team, periodStart: Self.period.start)).reserved == Money("0.999"))
    }

    /// A counter admission made while the store was out (its spend unknown) is still read from the
    /// store once it answers: this replica's own spend is kept on top.
    @Test func aCounterMadeWhileTheStoreWasOutIsLoadedLater() throws {
        let ledger = BudgetLedger()
        let team = UUID()
        let key = BudgetKey(kind: .team, id: team, periodStart: Self.period.start)
        let (_, reservation) = ledger.admit(scopes: Self.scopes(team: team, limit: "1"), model: "m", downgrades: [:]) { _ in Money("0.2") }
        ledger.settle(try #require(reservation), cost: Money("0.05"))
        #expect(ledger.unloaded([key]) == [key])
        ledger.load([key: Money("0.9")!])
        #expect(ledger.unloaded([key]).isEmpty)
        #expect(ledger.counter(key).spent == Money("0.95"))
    }

    @Test func settlementReplacesTheReservationWithTheCost() throws {
        let ledger = BudgetLedger()
        let team = UUID()
        let key = BudgetKey(kind: .team, id: team, periodStart: Self.period.start)
        ledger.load([key: Money("0.5")!])
        let (_, reservation) = ledger.admit(scopes: Self.scopes(team: team, limit: "1"), model: "m", downgrades: [:]) { _ in Money("0.2") }
        #expect(ledger.counter(key).reserved == Money("0.2"))
        ledger.settle(try #require(reservation), cost: Money("0.05"))
        #expect(ledger.counter(key) == BudgetCounter(persisted: Money("0.5")!, unwritten: Money("0.05")!, reserved: .zero, loaded: true))
        // Written: the store now says 0.55; the unwritten part is gone, nothing counted twice.
        ledger.written([key: Money("0.05")!], persisted: [key: Money("0.55")!])
        #expect(ledger.counter(key) == BudgetCounter(persisted: Money("0.55")!, unwritten: .zero, reserved: .zero, loaded: true))
        // Another replica spent 0.1: a refresh raises the counter, a stale read never lowers it.
        ledger.refresh([key: Money("0.65")!])
        ledger.refresh([key: Money("0.6")!])
        #expect(ledger.counter(key).spent == Money("0.65"))
    }
}

@Suite struct RateLimiterTests {
    @Test func requestsPerMinute() {
        let limiter = RateLimiter()
        let key = UUID()
        let start = Date()
        #expect(limiter.acquire(keyID: key, rpm: 2, tpm: nil, tokens: 0, now: start) == .allowed)
        #expect(limiter.acquire(keyID: key, rpm: 2, tpm: nil, tokens: 0, now: start) == .allowed)
        // Two a minute: the next request fits after 30 seconds.
        #expect(limiter.acquire(keyID: key, rpm: 2, tpm: nil, tokens: 0, now: start) == .limited(.requests, retryAfter: 30))
        #expect(limiter.acquire(keyID: key, rpm: 2, tpm: nil, tokens: 0, now: start + 10) == .limited(.requests, retryAfter: 20))
        #expect(limiter.acquire(keyID: key, rpm: 2, tpm: nil, tokens: 0, now: start + 30) == .allowed)
        #expect(limiter.acquire(keyID: UUID(), rpm: 2, tpm: nil, tokens: 0, now: start) == .allowed)
    }

    @Test func tokensPerMinuteWithAdjustment() {
        let limiter = RateLimiter()
        let key = UUID()
        let now = Date()
        #expect(limiter.acquire(keyID: key, rpm: nil, tpm: 600, tokens: 500, now: now) == .allowed)
        #expect(limiter.acquire(keyID: key, rpm: nil, tpm: 600, tokens: 200, now: now) == .limited(.tokens, retryAfter: 10))
        // The first request used only 100 tokens: 400 come back.
        limiter.adjust(keyID: key, tpm: 600, tokens: 400)
        #expect(limiter.acquire(keyID: key, rpm: nil, tpm: 600, tokens: 200, now: now) == .allowed)
        // A request bigger than the whole bucket still gets through when the bucket is full.
        #expect(limiter.acquire(keyID: UUID(), rpm: nil, tpm: 600, tokens: 5000, now: now) == .allowed)
    }
}

@Suite struct BudgetAlertTests {
    @Test(arguments: [
        ("0", false, [Int]()), ("49.99", false, []), ("50", false, [50]), ("80", false, [50, 80]), ("99", false, [50, 80]),
        ("100", false, [50, 80, 100]), ("60", true, [50, 100]),
    ])
    func thresholds(spent: String, exhausted: Bool, expected: [Int]) {
        #expect(BudgetAlert.reached(spent: Money(spent)!, limit: Money("100")!, exhausted: exhausted) == expected)
    }

    @Test func thePayloadRoundTrips() throws {
        let alert = BudgetAlert(scope: .team, scopeID: UUID(), scopeName: "search", teamID: UUID(), threshold: 80, limit: Money("100")!,
                                spent: Money("80.000000000001")!, periodStart: Date(timeIntervalSince1970: 1_793_491_200),
                                periodEnd: Date(timeIntervalSince1970: 1_796_083_200), time: Date(timeIntervalSince1970: 1_795_000_000))
        let text = String(decoding: try alert.jsonData(), as: UTF8.self)
        #expect(text.contains(#""spent_usd":80.000000000001"#))
        #expect(text.contains(#""type":"budget.threshold_reached""#))
        #expect(try BudgetAlert.decode(alert.jsonData()) == alert)
    }
}
