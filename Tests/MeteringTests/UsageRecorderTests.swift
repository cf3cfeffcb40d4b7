import Foundation
import Logging
import Pricing
import Synchronization
import Testing
@testable import Metering

/// A store in memory that can be told to fail, idempotent by request id like the real one.
final class MemoryUsageStore: UsageStore {
    let rows = Mutex<[String: UsageEvent]>([:])
    let batches = Mutex<[Int]>([])
    let failuresLeft = Mutex(0)

    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        if failuresLeft.withLock({ left in defer { left = max(left - 1, 0) }; return left > 0 }) {
            throw CancellationError()
        }
        batches.withLock { $0.append(events.count) }
        return UsageWriteResult(inserted: rows.withLock { rows in
            var new = 0
            for event in events where rows["\(event.requestID)#\(event.attempt)"] == nil {
                rows["\(event.requestID)#\(event.attempt)"] = event
                new += 1
            }
            return new
        })
    }
}

func event(_ id: String) -> UsageEvent {
    UsageEvent(requestID: id, time: Date(), teamID: UUID(), keyID: UUID(), task: "default", requestedModel: "m",
               servedModel: "m", provider: "p", usage: TokenUsage(uncachedInput: 1), cost: Money("0.1"),
               status: 200, latencyMilliseconds: 5, streamed: false)
}

@Suite struct UsageRecorderTests {
    let logger: Logger = { var logger = Logger(label: "test"); logger.logLevel = .critical; return logger }()

    @Test func flushWritesInBatchesOfAtMostMaxBatch() async throws {
        let store = MemoryUsageStore()
        let recorder = UsageRecorder(store: store, maxBatch: 3, logger: logger)
        for index in 0..<7 { recorder.record(event("r\(index)")) }
        try await recorder.flush()
        #expect(store.batches.withLock { $0 } == [3, 3, 1])
        #expect(store.rows.withLock { $0.count } == 7)
        #expect(recorder.pendingCount == 0)
    }

    @Test func aFlushWritesWhatWasQueuedAndLeavesLaterEventsForTheNext() async throws {
        let store = SlowStore()
        let recorder = UsageRecorder(store: store, maxBatch: 2, logger: logger)
        for index in 0..<3 { recorder.record(event("first\(index)")) }
        // Events arriving during the write wait for the next flush instead of extending this one.
        store.onInsert = { recorder.record(event("late\(UUID())")) }
        try await recorder.flush()
        #expect(store.batches.withLock { $0 } == [2, 1])
        #expect(recorder.pendingCount == 2)
    }

    @Test func aFailedWriteKeepsTheEventsForTheNextTry() async throws {
        let store = MemoryUsageStore()
        store.failuresLeft.withLock { $0 = 1 }
        let recorder = UsageRecorder(store: store, logger: logger)
        recorder.record(event("a"))
        recorder.record(event("b"))
        await #expect(throws: CancellationError.self) { try await recorder.flush() }
        #expect(recorder.pendingCount == 2)
        try await recorder.flush()
        #expect(store.rows.withLock { Set($0.keys) } == ["a#1", "b#1"])
    }

    @Test(.timeLimit(.minutes(1)))
    func aStoreThatNeverAnswersCannotHoldShutdownForever() async throws {
        let recorder = UsageRecorder(store: HangingStore(), flushInterval: .milliseconds(5), shutdownDeadline: .milliseconds(100), logger: logger)
        async let running: Void = recorder.run()
        recorder.record(event("stuck"))
        try await Task.sleep(for: .milliseconds(50))  // the first write is now hanging
        recorder.finish()
        await running
        #expect(recorder.pendingCount == 1)  // not written, and reported as lost
    }

    @Test func runFlushesEverythingOnFinishEvenAfterFailures() async throws {
        let store = MemoryUsageStore()
        store.failuresLeft.withLock { $0 = 2 }
        let recorder = UsageRecorder(store: store, flushInterval: .milliseconds(5), logger: logger)
        async let running: Void = recorder.run()
        for index in 0..<50 { recorder.record(event("e\(index)")) }
        recorder.finish()
        await running
        #expect(store.rows.withLock { $0.count } == 50)
        #expect(recorder.pendingCount == 0)
    }
}

/// A store that records a new event from inside each insert, as requests arriving during a write do.
final class SlowStore: UsageStore, @unchecked Sendable {
    let batches = Mutex<[Int]>([])
    var onInsert: @Sendable () -> Void = {}

    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        batches.withLock { $0.append(events.count) }
        onInsert()
        return UsageWriteResult(inserted: events.count)
    }
}

/// A store whose writes never complete, like a database that went away mid-connection; it only
/// stops when cancelled.
struct HangingStore: UsageStore {
    func insert(_ events: [UsageEvent]) async throws -> UsageWriteResult {
        try await Task.sleep(for: .seconds(3600))
        return UsageWriteResult(inserted: 0)
    }
}
