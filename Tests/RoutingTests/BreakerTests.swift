import Foundation
import Routing
import Testing

@Suite struct BreakerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func failuresInARowTripItAndTheRestEndsWithOneProbe() {
        var breaker = Breaker(failuresToTrip: 3, cooldown: 30)
        breaker.failed(at: start, retryAfter: nil)
        breaker.failed(at: start, retryAfter: nil)
        #expect(breaker.state == .healthy)
        let admitted1 = breaker.admit(at: start)
        #expect(admitted1)
        breaker.failed(at: start, retryAfter: nil)
        #expect(breaker.state == .coolingDown(until: start + 30))
        let admitted2 = breaker.admit(at: start + 29.9)
        #expect(!admitted2)
        // The rest is over: one probe goes, the next request waits for its outcome.
        let admitted3 = breaker.admit(at: start + 30)
        #expect(admitted3)
        #expect(breaker.state == .probing(since: start + 30))
        let admitted4 = breaker.admit(at: start + 31)
        #expect(!admitted4)
        breaker.succeeded()
        #expect(breaker.state == .healthy)
        #expect(breaker.failuresInARow == 0)
        let admitted5 = breaker.admit(at: start + 31)
        #expect(admitted5)
    }

    @Test func aFailedProbeRestsItAgain() {
        var breaker = Breaker(failuresToTrip: 1, cooldown: 10)
        breaker.failed(at: start, retryAfter: nil)
        let admitted6 = breaker.admit(at: start + 10)
        #expect(admitted6)
        breaker.failed(at: start + 11, retryAfter: nil)
        #expect(breaker.state == .coolingDown(until: start + 21))
    }

    @Test func aSuccessInBetweenResetsTheCount() {
        var breaker = Breaker(failuresToTrip: 2, cooldown: 10)
        breaker.failed(at: start, retryAfter: nil)
        breaker.succeeded()
        breaker.failed(at: start, retryAfter: nil)
        #expect(breaker.state == .healthy)
    }

    @Test func retryAfterRestsItAtLeastThatLong() {
        var breaker = Breaker(failuresToTrip: 3, cooldown: 30)
        breaker.failed(at: start, retryAfter: 7)
        #expect(breaker.state == .coolingDown(until: start + 7))
        // A longer rest is never shortened by a shorter retry-after.
        breaker.failed(at: start, retryAfter: 1)
        #expect(breaker.state == .coolingDown(until: start + 7))
        breaker.failed(at: start + 1, retryAfter: 60)
        #expect(breaker.state == .coolingDown(until: start + 61))
    }

    @Test func aProbeThatNeverReportsIsReplaced() {
        var breaker = Breaker(failuresToTrip: 1, cooldown: 5)
        breaker.failed(at: start, retryAfter: nil)
        let admitted7 = breaker.admit(at: start + 5)
        #expect(admitted7)
        let admitted8 = breaker.admit(at: start + 9)
        #expect(!admitted8)
        let admitted9 = breaker.admit(at: start + 10)
        #expect(admitted9)
    }

    @Test func theBoardCountsRecentOutcomesAndKeepsStatesApart() {
        let board = HealthBoard(limits: RouterLimits(cooldownAfterFailures: 2, cooldownSeconds: 30))
        board.succeeded("openai/gpt-4o", milliseconds: 10)
        board.succeeded("openai/gpt-4o", milliseconds: 30)
        board.failed("openai/gpt-4o", at: start, retryAfter: nil, milliseconds: 20)
        board.failed("east/gpt-4o", at: start, retryAfter: nil, milliseconds: 5)
        board.failed("east/gpt-4o", at: start, retryAfter: nil, milliseconds: 5)
        #expect(board.isAvailable("openai/gpt-4o", at: start))
        #expect(!board.isAvailable("east/gpt-4o", at: start))
        #expect(board.isAvailable("never-seen", at: start))
        let snapshot = board.snapshot()
        #expect(snapshot.map(\.id) == ["east/gpt-4o", "openai/gpt-4o"])
        #expect(snapshot[1].recentSuccesses == 2)
        #expect(snapshot[1].recentErrors == 1)
        #expect(snapshot[1].medianLatencyMilliseconds == 20)
        #expect(snapshot[0].state == .coolingDown(until: start + 30))
        // Only the last `window` outcomes count.
        for _ in 0..<HealthBoard.window { board.succeeded("east/gpt-4o", milliseconds: 1) }
        #expect(board.snapshot()[0].recentErrors == 0)
    }

    @Test func weightsShareTheFirstChoiceWithinFivePercent() {
        var generator = SplitMix(seed: 42)
        var firsts = [0, 0]
        for _ in 0..<1000 {
            let order = WeightedOrder.order(weights: [3, 1], using: &generator)
            #expect(Set(order) == [0, 1])
            firsts[order[0]] += 1
        }
        #expect(abs(Double(firsts[0]) / 1000 - 0.75) <= 0.05)
    }
}

/// A seeded generator, so the weight test is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}


@Suite struct HealthBoardCapacityTests {
    @Test func theBoardDoesNotGrowWithTheNamesCallersMakeUp() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let board = HealthBoard(limits: RouterLimits(cooldownAfterFailures: 1, cooldownSeconds: 30), capacity: 3)
        for index in 0..<10 { board.succeeded("openai/made-up-\(index)", milliseconds: 1) }
        #expect(board.snapshot().count == 3)
        // A failing deployment still gets its breaker: a healthy one makes room.
        board.failed("east/gpt-4o", at: start, retryAfter: nil, milliseconds: 1)
        #expect(board.snapshot().count == 3)
        #expect(!board.isAvailable("east/gpt-4o", at: start))
        // Asking about a deployment never seen remembers nothing.
        #expect(board.admit("openai/another", at: start))
        #expect(board.snapshot().count == 3)
    }
}

/// The per-request generators of weighted order: a seed replays the same draws, each request
/// gets the next generator of the sequence, and the weights' shares hold through it.
@Suite struct RouteRandomTests {
    static func firsts(_ random: RouteRandom, requests: Int) -> [Int] {
        (0..<requests).map { _ in
            var generator = random.next()
            return WeightedOrder.order(weights: [3, 1], using: &generator)[0]
        }
    }

    @Test func aSeedReplaysTheSameDraws() {
        #expect(Self.firsts(RouteRandom(seed: 9), requests: 50) == Self.firsts(RouteRandom(seed: 9), requests: 50))
        #expect(Self.firsts(RouteRandom(seed: 9), requests: 50) != Self.firsts(RouteRandom(seed: 10), requests: 50))
    }

    @Test func seededRequestsShareByWeight() {
        let firsts = Self.firsts(RouteRandom(seed: 2026), requests: 1000)
        #expect(abs(Double(firsts.filter { $0 == 0 }.count) / 1000 - 0.75) <= 0.05)
    }
}
